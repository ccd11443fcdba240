# lutsim_verilated_library(NAME TOP top_module PREFIX Vname SOURCES file.sv ... [ARGS verilator args ...] [TRACE])
#
# One static library per Verilated model (Verilator's runtime is compiled once per library, about 20 s each), so
# build only the configurations that tests need. -O1/-O0/-O2 for the fast/slow/global parts: the C++ of a
# flattened array compiles in seconds instead of minutes at a cost of about 7% simulation speed
# (../shared/TOOLCHAIN.md). TRACE adds FST waveform support; the harness opens a trace only when asked.
find_package(verilator REQUIRED HINTS /usr/share/verilator)

function(lutsim_verilated_library name)
  cmake_parse_arguments(ARG "TRACE" "TOP;PREFIX" "SOURCES;ARGS" ${ARGN})
  add_library(${name} STATIC)
  set(trace)
  if(ARG_TRACE)
    set(trace TRACE_FST)
  endif()
  verilate(${name}
    SOURCES ${ARG_SOURCES}
    TOP_MODULE ${ARG_TOP}
    PREFIX ${ARG_PREFIX}
    ${trace}
    VERILATOR_ARGS --x-assign fast --x-initial fast ${ARG_ARGS}
    OPT_FAST -O1 OPT_SLOW -O0 OPT_GLOBAL -O2)
  # Verilator's generated C++ is not ours to keep warning-free.
  target_compile_options(${name} PRIVATE -w)
  # The sanitizer build checks the Verilated models too (their C++ and Verilator's runtime), not only the harness,
  # except for alignment: Verilator's waveform code (the trace buffers of verilated_trace.h, which the generated
  # __Trace files inline, and gtkwave's fstapi.c) reads and writes 64- and 32-bit words at 4- and 1-byte offsets by
  # design, which UBSan reports as soon as a waveform is written (lutsim verify --wave-window).
  if(LUTSIM_SANITIZE)
    target_compile_options(${name} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                           -fno-sanitize=alignment -fno-omit-frame-pointer)
    target_link_options(${name} INTERFACE -fsanitize=address,undefined)
  endif()
  add_library(lutsim::${name} ALIAS ${name})
endfunction()

# lutsim_verilator_lint(NAME TOP top_module SOURCES file.sv ... [ARGS ...]): a ctest that runs
# `verilator --lint-only -Wall` with the waiver file rtl/lint_waivers.vlt and fails on any warning.
function(lutsim_verilator_lint name)
  cmake_parse_arguments(ARG "" "TOP" "SOURCES;ARGS" ${ARGN})
  add_test(NAME ${name}
    COMMAND ${VERILATOR_BIN} --lint-only -Wall ${PROJECT_SOURCE_DIR}/rtl/lint_waivers.vlt
            --top-module ${ARG_TOP} ${ARG_ARGS} ${ARG_SOURCES})
endfunction()
