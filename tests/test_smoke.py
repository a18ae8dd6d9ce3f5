"""The package installs and its layout maps models/ and properties/ under ldmspec."""

import importlib


def test_models_and_properties_install_under_ldmspec():
    models = importlib.import_module("ldmspec.models")
    properties = importlib.import_module("ldmspec.properties")
    assert models.__file__ is not None and models.__file__.endswith("models/__init__.py")
    assert properties.__file__ is not None
    assert properties.__file__.endswith("properties/__init__.py")
