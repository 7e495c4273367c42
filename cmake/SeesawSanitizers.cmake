# SEESAW_SANITIZE instruments every Seesaw target with ASan and UBSan.
# LibTorch itself is not instrumented; run the tests with ASAN_OPTIONS from tests/CMakeLists.txt.
add_library(seesaw_sanitizers INTERFACE)
if(SEESAW_SANITIZE)
  target_compile_options(seesaw_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(seesaw_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
