# cords_add_test(NAME name SOURCES a.cpp b.cpp LIBS lib... LABELS unit|media|model|gpu [TIMEOUT s])
# One GoogleTest executable registered with CTest, test by test, carrying the given labels.
function(cords_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main cords_warnings)
  # tests/support/golden.h: the golden outputs
  target_compile_definitions(${T_NAME} PRIVATE CORDS_GOLDEN_DIR="${PROJECT_SOURCE_DIR}/tests/golden")
  gtest_discover_tests(${T_NAME}
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()
