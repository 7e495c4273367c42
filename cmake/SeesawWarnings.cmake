# Warnings as an INTERFACE target that every Seesaw target links, so flags live in one place.
add_library(seesaw_warnings INTERFACE)
target_compile_options(seesaw_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual>)
