// The float (dequantized) executor; see lutsim/model/float_exec.h.
