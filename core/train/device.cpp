#include "train/device.h"

#include <torch/cuda.h>

#include "util/error.h"

namespace seesaw {

c10::Device chooseDevice(const std::string& name)
{
  if (name == "cpu") return c10::kCPU;
  const bool cuda = torch::cuda::is_available();
  if (name == "cuda" && !cuda)
    throw Error("config field train.device: 'cuda' requested, but this LibTorch sees no CUDA device");
  return cuda ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
}

}  // namespace seesaw
