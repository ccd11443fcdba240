# Project-wide compile flags, applied to every lutsim target through lutsim_options.
add_library(lutsim_options INTERFACE)
target_compile_options(lutsim_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
# GCC 12 reports false -Wrestrict positives inside std::string concatenation at -O3 (GCC bug 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(lutsim_options INTERFACE -Wno-restrict)
endif()
if(LUTSIM_WERROR)
  target_compile_options(lutsim_options INTERFACE -Werror)
endif()
if(LUTSIM_SANITIZE)
  target_compile_options(lutsim_options INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  # With the sanitizers GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (std::regex's std::function
  # states); the Release build keeps the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(lutsim_options INTERFACE -Wno-maybe-uninitialized)
  endif()
  target_link_options(lutsim_options INTERFACE -fsanitize=address,undefined)
endif()

if(LUTSIM_FUZZ)
  # Coverage for libFuzzer in every library; the fuzz targets link the fuzzer itself (fuzz/CMakeLists.txt).
  # The AVX-512 kernels select their ISA with GCC's `#pragma GCC target`, which clang ignores: the fuzz build is
  # for machines with AVX-512 VNNI (this project's), so it enables them for every file.
  target_compile_options(lutsim_options INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                  -fno-sanitize-recover=undefined -fno-omit-frame-pointer
                                                  -mavx512f -mavx512bw -mavx512vl -mavx512vnni -Wno-unknown-pragmas
                                                  -Wno-unknown-warning-option)
  target_link_options(lutsim_options INTERFACE -fsanitize=address,undefined)
endif()

# lutsim_library(NAME SOURCES ... DEPS ...): a static library with a lutsim:: alias and
# its public headers under <dir>/include.
function(lutsim_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(lutsim_${name} STATIC ${ARG_SOURCES})
  add_library(lutsim::${name} ALIAS lutsim_${name})
  target_include_directories(lutsim_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(lutsim_${name} PUBLIC ${ARG_DEPS} PRIVATE lutsim_options)
endfunction()

# lutsim_add_test(NAME SOURCES ... [DEPS ...]): one GoogleTest executable, each TEST run by ctest.
# lutsim_add_test(NAME SOURCES ... DEPS ... [LABEL L]): one GoogleTest executable, each of its tests a ctest test,
# with the folder's labels (tests/CMakeLists.txt) and one more label L if given (gtest_discover_tests passes one
# value through; a list would lose its semicolons).
function(lutsim_add_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main lutsim_options)
  target_compile_definitions(${name} PRIVATE
    LUTSIM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    LUTSIM_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set(label)
  if(ARG_LABEL)
    set(label LABELS ${ARG_LABEL})
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600 ${label})
endfunction()
