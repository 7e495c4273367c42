# The layers of core/, checked from the include lines themselves so that the rule holds by itself:
#   records, util < data < config < model < methods < train < trace
# A file may include its own layer and those below it, never one above; core/ includes nothing of
# widgets/ or app/, no Qt anywhere, and records/ (at the bottom, beside util) no LibTorch either.
# trace/ is its own library, free of LibTorch: of the layers below it, it reads records/ and util/.
# With WIDGETS, the views too: they show records, so of core/ they include records/ and util/ only.
#
# Usage: cmake -DCORE=<core directory> [-DWIDGETS=<widgets directory>] -P include_layers.cmake
# Prints every upward include as FILE:LINE: and fails; prints the count of includes checked otherwise.
cmake_minimum_required(VERSION 3.22)
if(NOT CORE)
  message(FATAL_ERROR "include_layers: pass -DCORE=<the core/ directory>")
endif()

set(rank_records 0)
set(rank_util 0)
set(rank_data 1)
set(rank_config 2)
set(rank_model 3)
set(rank_methods 4)
set(rank_train 5)
set(rank_trace 6)
set(above_core widgets app)

file(GLOB_RECURSE files RELATIVE "${CORE}" "${CORE}/*.h" "${CORE}/*.cpp" "${CORE}/*.in")
set(violations "")
set(checked 0)
foreach(file ${files})
  string(REGEX MATCH "^[^/]+" layer "${file}")
  if(NOT DEFINED rank_${layer})
    continue()  # core/pch.h and other files outside a layer
  endif()
  # One list item per line, empty lines kept for the numbering: the characters that CMake's lists
  # treat specially (; [ ]) are set aside first.
  file(READ "${CORE}/${file}" text)
  string(REGEX REPLACE "[];[]" "_" text "${text}")
  string(REPLACE "\n" ";" all_lines "${text}")
  set(number 0)
  foreach(line IN LISTS all_lines)
    math(EXPR number "${number} + 1")
    if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
      continue()
    endif()
    set(target "${CMAKE_MATCH_1}")
    math(EXPR checked "${checked} + 1")
    set(where "core/${file}:${number}: ${layer} includes ${target}")
    if(target MATCHES "^Q[A-Za-z]*(/|$)")
      list(APPEND violations "${where}: core/ is free of Qt")
      continue()
    endif()
    if(layer STREQUAL "records" AND target MATCHES "^(torch|ATen|c10|hdf5|H5)")
      list(APPEND violations "${where}: records/ is free of LibTorch and HDF5")
      continue()
    endif()
    string(REGEX MATCH "^[^/]+" included "${target}")
    if(included IN_LIST above_core)
      list(APPEND violations "${where}: core/ is below ${included}/")
    elseif(layer STREQUAL "trace" AND DEFINED rank_${included} AND NOT included MATCHES "^(records|util|trace)$")
      list(APPEND violations "${where}: trace/ reads records/ and util/ only (it is free of LibTorch)")
    elseif(DEFINED rank_${included} AND NOT included STREQUAL layer AND rank_${included} GREATER_EQUAL rank_${layer}
           AND NOT (rank_${included} EQUAL 0 AND rank_${layer} EQUAL 0))
      list(APPEND violations "${where}: ${included} is not below ${layer}")
    endif()
  endforeach()
endforeach()

if(WIDGETS)
  file(GLOB_RECURSE files RELATIVE "${WIDGETS}" "${WIDGETS}/*.h" "${WIDGETS}/*.cpp")
  foreach(file ${files})
    file(STRINGS "${WIDGETS}/${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^/\"]+/")
    foreach(line IN LISTS includes)
      string(REGEX MATCH "\"([^/\"]+)/[^\"]*\"" quoted "${line}")
      set(included "${CMAKE_MATCH_1}")
      math(EXPR checked "${checked} + 1")
      if(DEFINED rank_${included} AND NOT included MATCHES "^(records|util)$")
        list(APPEND violations "widgets/${file}: widgets includes ${quoted}: the views read records, not ${included}/")
      endif()
    endforeach()
  endforeach()
endif()

if(violations)
  foreach(violation IN LISTS violations)
    message("${violation}")  # one line each (FATAL_ERROR would wrap them)
  endforeach()
  list(LENGTH violations count)
  message(FATAL_ERROR "include_layers: ${count} upward include(s)")
endif()
message(STATUS "include_layers: ${checked} includes checked, none upward")
