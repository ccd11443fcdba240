// Placeholder until the file formats land.
#include "lutsim/model/format.h"
