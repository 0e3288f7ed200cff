# Installs the selector library for other projects: `find_package(cords CONFIG)` gives cords::select (and
# cords::core, which it needs), headers under include/cords/{select,core}; a pkg-config file `cords.pc`; with the
# executable, its man page and bash completion. The exported targets carry no -march=native, warning or test
# options (they are build-only, src/CMakeLists.txt); the library itself is compiled for the build machine unless
# configured with -DCORDS_NATIVE=OFF (do that for packages meant for other machines).
include(CMakePackageConfigHelpers)

install(TARGETS cords_core cords_select EXPORT cordsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/cords/select ${PROJECT_SOURCE_DIR}/src/cords/core
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cords FILES_MATCHING PATTERN "*.h")

set(CORDS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cords)
install(EXPORT cordsTargets NAMESPACE cords:: DESTINATION ${CORDS_CMAKE_DIR})
set(CORDS_CONFIG_NEEDS_ZLIB ${ZLIB_FOUND})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cordsConfig.cmake.in ${PROJECT_BINARY_DIR}/cordsConfig.cmake
                              INSTALL_DESTINATION ${CORDS_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cordsConfigVersion.cmake VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cordsConfig.cmake ${PROJECT_BINARY_DIR}/cordsConfigVersion.cmake
        DESTINATION ${CORDS_CMAKE_DIR})

# pkg-config: the static libraries and what they link against.
set(CORDS_PC_LIBS "-lcords_select -lcords_core")
set(CORDS_PC_PRIVATE "-fopenmp -lpthread")
foreach(lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND CORDS_PC_PRIVATE " -l${lib}")
endforeach()
if(ZLIB_FOUND)
  string(APPEND CORDS_PC_PRIVATE " -lz")
endif()
if(CORDS_GEMM_SOURCE MATCHES "blas")
  foreach(lib IN LISTS BLAS_LIBRARIES)
    string(APPEND CORDS_PC_PRIVATE " ${lib}")
  endforeach()
endif()
string(REPLACE ";" " " CORDS_PC_PRIVATE "${CORDS_PC_PRIVATE}")
file(RELATIVE_PATH CORDS_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")  # e.g. ../..
string(REGEX REPLACE "/$" "" CORDS_PC_TO_PREFIX "${CORDS_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/cords.pc.in ${PROJECT_BINARY_DIR}/cords.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cords.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The executable's man page (from the commands' option tables: cords-summarize --man) and bash completion (which
# asks the program for its options and their words).
if(TARGET cords-summarize)
  install(FILES ${PROJECT_SOURCE_DIR}/scripts/cords-summarize.bash-completion
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME cords-summarize)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/cords-summarize.1
                     COMMAND sh -c "\"$1\" --man > \"$2\"" man $<TARGET_FILE:cords-summarize>
                             ${PROJECT_BINARY_DIR}/cords-summarize.1
                     DEPENDS cords-summarize VERBATIM)
  add_custom_target(cords_man ALL DEPENDS ${PROJECT_BINARY_DIR}/cords-summarize.1)
  if(TARGET cords_torch_plugin)
    add_dependencies(cords_man cords_torch_plugin)  # (train's section comes from the plugin)
  endif()
  install(FILES ${PROJECT_BINARY_DIR}/cords-summarize.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
