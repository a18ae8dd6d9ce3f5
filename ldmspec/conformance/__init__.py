"""Conformance: the reference implementation, seen through the abstract protocol model.

This package is the only part of the engine that knows both :mod:`ldmspec.system` (the
implementation) and :mod:`ldmspec.models` (the model). Import from its modules:

* :mod:`ldmspec.conformance.abstraction`: the **abstraction function**
  :func:`~ldmspec.conformance.abstraction.abstract_domain`, an implementation
  :class:`~ldmspec.system.observation.Observation` to the model's view of one domain
  (:class:`~ldmspec.conformance.abstraction.ModelView`), and the same view of a model state;
* :mod:`ldmspec.conformance.steps`: :class:`~ldmspec.conformance.steps.StepChecker`, every
  implementation step is a model edge or a stutter (the property suites call it after
  each event)::

      checker = StepChecker()
      before = dc.observe()
      dc.tick()
      mismatch = checker.check_step(before, "tick", dc.observe())
      assert mismatch is None, str(mismatch)

* :mod:`ldmspec.conformance.replay`: :func:`~ldmspec.conformance.replay.replay`, drive the
  implementation along the model's shortest path to each kind of ending and each
  ``sometimes`` target (``ldmspec explore --replay FLEET``).
"""
