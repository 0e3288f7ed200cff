# Compiler launcher, warnings, optimisation and sanitizer flags shared by every target.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

add_library(cords_warnings INTERFACE)
target_compile_options(cords_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(CORDS_WERROR)
  target_compile_options(cords_warnings INTERFACE -Werror)
endif()

add_library(cords_optimize INTERFACE)
if(CORDS_NATIVE)
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag(-march=native CORDS_HAS_MARCH_NATIVE)
  if(CORDS_HAS_MARCH_NATIVE)
    target_compile_options(cords_optimize INTERFACE -march=native)
  endif()
endif()
# OpenMP SIMD reductions are allowed to reassociate (deterministically for one build).
target_compile_options(cords_optimize INTERFACE -fopenmp-simd)
# -fPIC (see CMAKE_POSITION_INDEPENDENT_CODE) would otherwise forbid inlining exported functions within a file.
add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fno-semantic-interposition>)

if(CORDS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
