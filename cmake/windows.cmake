# The Windows build (native MSVC/CMake, or cross with cmake/mingw-w64.cmake): server.exe and
# client.exe on the IOCP backend, and the unit tests that do not need Linux. Included from the
# top-level CMakeLists.txt instead of the Linux part; docs/windows.md describes the choices.
#
# Dependencies: Debian's fmt, spdlog, cxxopts and nlohmann-json are header-only here (fmt via
# FMT_HEADER_ONLY, spdlog without its compiled library). When cross-building they are found in
# the build machine's /usr/include through a folder that holds only those headers, so no glibc
# header leaks into the Windows build. http-parser is Debian's http_parser.c, fetched from the
# source package into the build folder (PERCORE_HTTP_PARSER_SRC; scripts/http-parser-src.sh).
set(PERCORE_HTTP_PARSER_SRC "${CMAKE_BINARY_DIR}/http-parser" CACHE PATH
    "folder holding http_parser.c and http_parser.h")
if(NOT EXISTS "${PERCORE_HTTP_PARSER_SRC}/http_parser.c")
  message(FATAL_ERROR "no http_parser.c in ${PERCORE_HTTP_PARSER_SRC}: run "
                      "scripts/http-parser-src.sh ${PERCORE_HTTP_PARSER_SRC}")
endif()

set(PERCORE_HOST_HEADERS "${CMAKE_BINARY_DIR}/host-headers")
if(CMAKE_CROSSCOMPILING)
  file(MAKE_DIRECTORY ${PERCORE_HOST_HEADERS})
  foreach(h spdlog fmt nlohmann cxxopts.hpp)
    if(NOT EXISTS "${PERCORE_HOST_HEADERS}/${h}")
      file(CREATE_LINK /usr/include/${h} ${PERCORE_HOST_HEADERS}/${h} SYMBOLIC)
    endif()
  endforeach()
endif()

if(MSVC)
  add_compile_options(/W4 /WX /permissive- /Zc:__cplusplus)
else()
  add_compile_options(-Wall -Wextra -Werror -Wno-restrict)
  # One .exe without the MinGW runtime DLLs beside it.
  add_link_options(-static -static-libgcc -static-libstdc++)
  # gmtime_r and friends from MinGW's time.h.
  add_compile_definitions(_POSIX_THREAD_SAFE_FUNCTIONS)
endif()
add_compile_definitions(WIN32_LEAN_AND_MEAN NOMINMAX _WIN32_WINNT=0x0A00 FMT_HEADER_ONLY
                        SPDLOG_FMT_EXTERNAL "CXXOPTS_VECTOR_DELIMITER='\\x1f'")

enable_language(C)
add_library(percore_http_parser STATIC ${PERCORE_HTTP_PARSER_SRC}/http_parser.c)
target_include_directories(percore_http_parser PUBLIC ${PERCORE_HTTP_PARSER_SRC})
target_compile_options(percore_http_parser PRIVATE -w)

set(ZLIB_USE_STATIC_LIBS ON)
find_package(ZLIB REQUIRED)

# Linux-only sources: the epoll and io_uring backends and their helpers, the fork-based process
# model, the preload launcher and the doctor. Files named *_win.cc are the Windows side.
set(PERCORE_LINUX_ONLY
    core/io/epoll_backend.cc core/io/uring_backend.cc core/io/uring_probe.cc
    core/io/buffer_ring.cc core/io/udp_offload.cc core/io/datagram_send.cc core/io/factory.cc
    core/io/uring_options.cc
    core/net/socket.cc core/net/udp_error_queue.cc core/proc/affinity.cc core/proc/kernel.cc
    core/proc/limits.cc
    core/stats/worker_slots_mem.cc
    server/master.cc server/worker_process.cc server/worker_platform.cc server/platform.cc
    server/preload_launcher.cc server/metrics_endpoint.cc server/stats_printer.cc
    server/udp_relay.cc server/subcommand.cc)
function(percore_sources out folder)
  file(GLOB_RECURSE found CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.cc)
  list(FILTER found EXCLUDE REGEX ".*/main\\.cc$")
  # The BPF in-kernel echo (--io sockmap) is Linux's: Windows links sockmap_absent.cc for the
  # table row that names it (server/mode_table.cc), which no flag there can choose. TLS (core/tls)
  # is not built for Windows yet: nothing there uses it, and the cross build has no OpenSSL.
  list(FILTER found EXCLUDE REGEX ".*/(doctor|proxy|sockmap|tls)/.*")
  foreach(f ${PERCORE_LINUX_ONLY})
    list(REMOVE_ITEM found ${PROJECT_SOURCE_DIR}/${f})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

percore_sources(core_src core)
add_library(percore_core STATIC ${core_src})
target_include_directories(percore_core PUBLIC ${PROJECT_SOURCE_DIR})
target_include_directories(percore_core SYSTEM PUBLIC ${PERCORE_HOST_HEADERS})
target_link_libraries(percore_core PUBLIC percore_http_parser ZLIB::ZLIB ws2_32 mswsock)

percore_sources(server_src server)
add_library(percore_server STATIC ${server_src})
target_link_libraries(percore_server PUBLIC percore_core)
add_executable(server server/main.cc)
target_link_libraries(server PRIVATE percore_server)

# client.exe: the client's sources with the Linux-only files swapped for their *_win.cc
# counterparts, each the few calls that differ behind a small header (signals, the wall clock,
# the host name and Winsock's start; the pre-run connect; source binding; process CPU time; the
# UDP worker's socket; errno names). `sweep` starts gnuplot with
# posix_spawn and is left out: on Windows it is a one-line usage error
# (client/sweep/sweep_command_win.cc).
set(PERCORE_CLIENT_LINUX_ONLY os/command_os.cc os/connect_probe.cc run/source_bind.cc
    os/process_cpu.cc udp/udp_socket.cc os/errno_name.cc sweep/sweep_command.cc
    sweep/sweep.cc)
file(GLOB_RECURSE client_src CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/client/*.cc)
list(FILTER client_src EXCLUDE REGEX ".*/main\\.cc$")
foreach(f ${PERCORE_CLIENT_LINUX_ONLY})
  list(REMOVE_ITEM client_src ${PROJECT_SOURCE_DIR}/client/${f})
endforeach()
add_library(percore_client STATIC ${client_src})
target_link_libraries(percore_client PUBLIC percore_core)
target_compile_definitions(percore_client PRIVATE PERCORE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_executable(client client/main.cc)
target_link_libraries(client PRIVATE percore_client)

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
set_target_properties(server client PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

option(PERCORE_TESTS "Build the tests" ON)
if(PERCORE_TESTS)
  # Debian's libgtest-dev ships GoogleTest's source: the cross build compiles it for Windows.
  # A native build finds an installed GoogleTest instead.
  if(CMAKE_CROSSCOMPILING AND EXISTS /usr/src/googletest/CMakeLists.txt)
    set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
    set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
    set(gtest_disable_pthreads OFF CACHE BOOL "" FORCE)
    add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL)
    set(PERCORE_GTEST_MAIN gtest_main)
  else()
    find_package(GTest REQUIRED)
    set(PERCORE_GTEST_MAIN GTest::gtest_main)
  endif()
  # The Windows backend's own contract tests, and the unit tests with nothing Linux in them (the
  # client's --segment/--start-at and merge tests run against client/os/*_win.cc).
  file(GLOB win_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit_win/*.cc)
  set(portable_tests address_test deadline_list_test hdr_encoding_test head_scanner_test
      histogram_test programmable_test response_cache_test send_queue_test slab_test
      client_segment_test client_merge_test client_udp_merge_test)
  list(TRANSFORM portable_tests REPLACE "(.+)" "${PROJECT_SOURCE_DIR}/tests/unit/\\1.cc")
  add_executable(unit_tests ${win_tests} ${portable_tests})
  target_link_libraries(unit_tests PRIVATE percore_server percore_client ${PERCORE_GTEST_MAIN})
  target_compile_definitions(unit_tests PRIVATE PERCORE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()

