"""Builds cords_summarize._cords with this project's CMake (only the selector library and the module), for
`pip install --no-build-isolation .`; the package's metadata is in pyproject.toml."""
import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = pathlib.Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        jobs = str(os.cpu_count() or 2)
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                        "-DCORDS_BUILD_TESTS=OFF", "-DCORDS_BUILD_BENCH=OFF", "-DCORDS_BUILD_CLI=OFF",
                        "-DCORDS_WITH_TORCH=OFF", "-DCORDS_WITH_VIDEO=OFF", "-DCORDS_BUILD_PYTHON=ON",
                        f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "cords_python", "-j", jobs], check=True)
        built = next((build / "python" / "cords_summarize").glob("_cords*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)


setup(ext_modules=[Extension("cords_summarize._cords", sources=[])], cmdclass={"build_ext": CMakeBuild})
