#pragma once
// The key of a parameter's entry in a LibTorch optimizer's state: LibTorch 1.x keys the state by
// the text of the parameter's TensorImpl address, 2.x by the address itself.

#include <ATen/ATen.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace seesaw {

template <typename StateMap>
typename StateMap::key_type optimizerStateKey(const at::Tensor& p)
{
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;
    key << p.unsafeGetTensorImpl();
    return key.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

}  // namespace seesaw
