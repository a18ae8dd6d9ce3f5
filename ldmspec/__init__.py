"""ldmspec: formal-model-backed verification of logical-domain live migration.

The public API is small; everything else is reachable through its subpackages:

* :mod:`ldmspec.inventory`: hosts, domains and services as frozen values, loaded from
  TOML/JSON fleets or from capture bundles of real ``ldm`` output.
* :mod:`ldmspec.system`: the reference implementation (hypervisors, Logical Domains
  Managers, the migration protocol) driven like ``ldm``.
* :mod:`ldmspec.explorer`: a breadth-first model checker over networkx graphs.
* :mod:`ldmspec.solver`: the z3 precondition prover, repair and fleet queries.
* :mod:`ldmspec.testing`: Hypothesis strategies, the stateful machine kit and the
  pytest plugin.
* :mod:`ldmspec.report`: counterexample reports.
"""

from ldmspec.errors import InputError, LdmspecError, SolverUnknown
from ldmspec.inventory import Fleet, Host, load_fleet

__version__ = "0.1.0"

__all__ = [
    "Fleet",
    "Host",
    "InputError",
    "LdmspecError",
    "SolverUnknown",
    "__version__",
    "load_fleet",
]
