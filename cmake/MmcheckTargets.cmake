# Target helpers: every layer, test suite and benchmark is declared through these, so
# flags, warnings and sanitizers are set in exactly one place.

set(MMCHECK_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wnull-dereference -Wimplicit-fallthrough -Werror)

function(mmcheck_apply_flags target)
  target_compile_options(${target} PRIVATE ${MMCHECK_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  if(MMCHECK_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined
                                            -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
    target_compile_definitions(${target} PUBLIC MMCHECK_ASAN=1)
  endif()
  if(MMCHECK_FUZZ)
    target_compile_options(${target} PUBLIC -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# mmcheck_library(<layer> DEPS <targets>): src/<layer>/*.cpp as static library mmcheck_<layer>.
function(mmcheck_library layer)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${layer}/*.cpp)
  add_library(mmcheck_${layer} STATIC ${srcs})
  mmcheck_apply_flags(mmcheck_${layer})
  target_link_libraries(mmcheck_${layer} PUBLIC ${ARG_DEPS})
endfunction()

# mmcheck_executable(<name> DIR <dir> DEPS <targets>): src/<dir>/*.cpp as a program.
function(mmcheck_executable name)
  cmake_parse_arguments(ARG "" "DIR" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${ARG_DIR}/*.cpp)
  if(NOT srcs)
    message(WARNING "${name}: no sources in src/${ARG_DIR} yet")
    return()
  endif()
  add_executable(${name} ${srcs})
  mmcheck_apply_flags(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# mmcheck_test(<layer> DEPS <targets>): tests/<layer>/*.cpp as one GoogleTest binary.
function(mmcheck_test layer)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${layer}/*.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(test_${layer} ${srcs})
  mmcheck_apply_flags(test_${layer})
  target_include_directories(test_${layer} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(test_${layer} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(test_${layer} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()
