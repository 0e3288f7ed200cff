"""Builds cords_summarize._cords with this project's CMake (only the selector library and the module), and
cords_summarize._train (the strategies of cords_summarize.torch) where CMake finds LibTorch, for
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
                        "-DCORDS_WITH_TORCH=AUTO", "-DCORDS_WITH_VIDEO=OFF", "-DCORDS_BUILD_PYTHON=ON",
                        f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "cords_python_all", "-j", jobs], check=True)
        built = next((build / "python" / "cords_summarize").glob("_cords*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)
        for extra in (build / "python" / "cords_summarize").glob("_train*.so"):  # only where LibTorch was found
            shutil.copy2(extra, target.parent / extra.name)


setup(ext_modules=[Extension("cords_summarize._cords", sources=[])], cmdclass={"build_ext": CMakeBuild})
