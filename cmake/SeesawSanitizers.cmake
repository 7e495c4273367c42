# SEESAW_SANITIZE instruments every Seesaw target: "address" with ASan and UBSan, "thread" with
# TSan. LibTorch itself is not instrumented; the tests run with the options of tests/CMakeLists.txt.
add_library(seesaw_sanitizers INTERFACE)
if(SEESAW_SANITIZE STREQUAL "ON")  # the earlier boolean option meant ASan + UBSan
  set(SEESAW_SANITIZE "address")
endif()
if(SEESAW_SANITIZE STREQUAL "address")
  target_compile_options(seesaw_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(seesaw_sanitizers INTERFACE -fsanitize=address,undefined)
elseif(SEESAW_SANITIZE STREQUAL "thread")
  target_compile_options(seesaw_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(seesaw_sanitizers INTERFACE -fsanitize=thread)
elseif(SEESAW_SANITIZE)
  message(FATAL_ERROR "SEESAW_SANITIZE is '${SEESAW_SANITIZE}': use address, thread or nothing")
endif()
