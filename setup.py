"""Package layout only; every other setting is in pyproject.toml.

models/ and properties/ live at the top of the repository (the layout is the
architecture) but install as ``ldmspec.models`` and ``ldmspec.properties``, so no
top-level package called ``models`` or ``properties`` lands in site-packages.
"""

from setuptools import find_packages, setup

MAPPED = {"ldmspec.models": "models", "ldmspec.properties": "properties"}

packages = find_packages(include=["ldmspec", "ldmspec.*"])
package_dir = {"ldmspec": "ldmspec"}
for name, folder in MAPPED.items():
    packages.append(name)
    package_dir[name] = folder
    for sub in find_packages(where=folder):
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
