#pragma once
#include <c10/core/Device.h>

#include <string>

namespace seesaw {

// "cpu", "cuda" or "auto" (cuda when LibTorch sees a CUDA device). Throws seesaw::Error for cuda
// without a device.
c10::Device chooseDevice(const std::string& name);

}  // namespace seesaw
