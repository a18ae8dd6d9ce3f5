"""Testing kit: Hypothesis strategies for fleets, the stateful machine kit and the pytest plugin."""
