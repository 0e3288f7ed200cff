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
        # The executable comes along (summarize() and the cords-summarize console script run it) where CMake finds
        # FFmpeg's libraries; CORDS_PIP_CLI=0 leaves it out (the selector module alone).
        cli = os.environ.get("CORDS_PIP_CLI", "1") != "0"
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                        "-DCORDS_BUILD_TESTS=OFF", "-DCORDS_BUILD_BENCH=OFF", f"-DCORDS_BUILD_CLI={'ON' if cli else 'OFF'}",
                        "-DCORDS_WITH_TORCH=AUTO", f"-DCORDS_WITH_VIDEO={'AUTO' if cli else 'OFF'}",
                        "-DCORDS_BUILD_PYTHON=ON", f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        targets = ["cords_python_all"] + (["all"] if cli else [])
        for target in targets:
            subprocess.run(["cmake", "--build", str(build), "--target", target, "-j", jobs], check=True)
        built = next((build / "python" / "cords_summarize").glob("_cords*.so"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, target)
        for extra in (build / "python" / "cords_summarize").glob("_train*.so"):  # only where LibTorch was found
            shutil.copy2(extra, target.parent / extra.name)
        if cli and (build / "src" / "cords-summarize").exists():
            # An installed tree inside the package (bin/, lib/cords-summarize/, share/cords-summarize/models/), so
            # that the executable finds its LibTorch plugin and default model as an installed one does.
            prefix = target.parent / "_prefix"
            shutil.rmtree(prefix, ignore_errors=True)
            subprocess.run(["cmake", "--install", str(build), "--prefix", str(prefix), "--component", "Unspecified"],
                           check=True)
            for junk in ("include", "lib/cmake", "lib/pkgconfig", "share/man"):
                shutil.rmtree(prefix / junk, ignore_errors=True)
            for lib in (prefix / "lib").glob("*.a"):
                lib.unlink()


setup(ext_modules=[Extension("cords_summarize._cords", sources=[])], cmdclass={"build_ext": CMakeBuild})
