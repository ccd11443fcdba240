// One builder per architecture; the options are already checked and defaulted by build().
#pragma once

#include "lutsim/model/network.h"
#include "lutsim/zoo/zoo.h"

namespace lutsim::zoo {

Network build_lenet5(const ZooOptions& o, int size);
Network build_resnet18(const ZooOptions& o, int size);
Network build_mobilenetv2(const ZooOptions& o, int size);
Network build_resnet50(const ZooOptions& o, int size);

}  // namespace lutsim::zoo
