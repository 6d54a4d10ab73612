# The installable Tern: one shared library libtern.so holding every module
# library of this build, the `tern` CLI linked against it, the public
# headers, a relocatable CMake package (find_package(Tern), target
# Tern::tern) and a pkg-config file (tern.pc). Included at the end of the
# top-level CMakeLists.txt, once every module has defined its libraries.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Libraries that only tests link: never part of libtern.so.
set(TERN_TEST_ONLY_LIBRARIES tern_op_db tern_comm_test_main)

# Every target defined in DIR and its subdirectories, in definition order.
function(tern_targets_below dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    tern_targets_below(${sub} more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

tern_targets_below(${CMAKE_SOURCE_DIR} tern_all_targets)
set(TERN_PACKAGE_LIBRARIES "")
set(TERN_PACKAGE_OBJECTS "")
foreach(t ${tern_all_targets})
  if(NOT t MATCHES "^tern_" OR t IN_LIST TERN_TEST_ONLY_LIBRARIES)
    continue()
  endif()
  get_target_property(type ${t} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    list(APPEND TERN_PACKAGE_LIBRARIES ${t})
  elseif(type STREQUAL "OBJECT_LIBRARY")  # kernel providers (tern_ops_cpu)
    list(APPEND TERN_PACKAGE_OBJECTS ${t})
  endif()
endforeach()

message(STATUS "libtern.so: ${TERN_PACKAGE_LIBRARIES} ${TERN_PACKAGE_OBJECTS}")

# Kernel providers, autograd's recorder and the strategy registries register
# from static initialisers that nothing references, so every object file of
# every module goes in, as `--whole-archive` would put it. (Archives linked
# with $<LINK_LIBRARY:WHOLE_ARCHIVE,...> do not work here: CMake 3.25 repeats
# an archive on the link line after the system libraries it needs, and an
# archive linked whole twice defines each symbol twice.) The archives are
# linked too, for the system libraries they bring (OpenBLAS, oneDNN, MPI,
# protobuf, ...); the linker takes no member from them, since the objects
# already define every symbol they could provide.
add_library(tern_shared SHARED ${CMAKE_CURRENT_LIST_DIR}/tern_shared.cc)
foreach(lib ${TERN_PACKAGE_LIBRARIES})
  target_sources(tern_shared PRIVATE $<TARGET_OBJECTS:${lib}>)
endforeach()
target_link_libraries(tern_shared PRIVATE ${TERN_PACKAGE_LIBRARIES} ${TERN_PACKAGE_OBJECTS})
# What a program using the headers needs: C++20, the source tree (or the
# installed include/), and the third-party headers that public Tern headers
# include. Only <nlohmann/json.hpp> is such a header (train/report.h,
# distributed/run.h, distributed/strategy/strategy.h, dv/stats.h, ...);
# fmt, MPI, protobuf, ONNX, OpenBLAS, oneDNN, zlib, libzip, libpng, libjpeg and yaml-cpp
# stay inside libtern.so.
target_compile_features(tern_shared INTERFACE cxx_std_20)
target_include_directories(tern_shared INTERFACE
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(tern_shared PUBLIC nlohmann_json::nlohmann_json Threads::Threads)
set_target_properties(tern_shared PROPERTIES
  OUTPUT_NAME tern EXPORT_NAME tern
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/lib)
add_library(Tern::tern ALIAS tern_shared)

# --- install ----------------------------------------------------------------
# The CLI finds libtern.so next to it, wherever the tree is unpacked.
file(RELATIVE_PATH tern_bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
if(TARGET tern)
  set_target_properties(tern PROPERTIES INSTALL_RPATH "$ORIGIN/${tern_bin_to_lib}")
  install(TARGETS tern RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(TARGETS tern_shared EXPORT TernTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Public headers: tern/**/*.h and the X-macro tables (ops.def), minus test
# helpers and headers of implementation details that need a third-party
# library's own headers (onnx_builder.h: libonnx's protobuf classes).
file(GLOB_RECURSE tern_headers RELATIVE ${CMAKE_SOURCE_DIR} CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/tern/*.h ${CMAKE_SOURCE_DIR}/tern/*.def)
set(tern_private_headers tern/ops/testing.h tern/ops/op_db.h tern/distributed/comm/mpi_test_main.h
                         tern/graph/export/onnx_builder.h)
foreach(h ${tern_headers})
  get_filename_component(dir ${h} DIRECTORY)
  get_filename_component(name ${h} NAME)
  if(h IN_LIST tern_private_headers OR name MATCHES "(_test\\.h|^test_util\\.h)$")
    continue()
  endif()
  set(skipped FALSE)
  foreach(m ${TERN_SKIP_MODULES})
    if(dir STREQUAL m OR dir MATCHES "^${m}/")
      set(skipped TRUE)
    endif()
  endforeach()
  if(NOT skipped)
    install(FILES ${h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir})
  endif()
endforeach()

set(TERN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Tern)
install(EXPORT TernTargets NAMESPACE Tern:: DESTINATION ${TERN_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/TernConfig.cmake.in
  ${CMAKE_BINARY_DIR}/TernConfig.cmake INSTALL_DESTINATION ${TERN_CMAKE_DIR})
# 0.x: a minor release may break the API.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/TernConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/TernConfig.cmake ${CMAKE_BINARY_DIR}/TernConfigVersion.cmake
        DESTINATION ${TERN_CMAKE_DIR})

# pkg-config: paths relative to the .pc file, so a DESTDIR or moved tree works.
file(RELATIVE_PATH TERN_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" TERN_PC_TO_PREFIX "${TERN_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/tern.pc.in ${CMAKE_BINARY_DIR}/tern.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/tern.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The install, then a program outside this tree built against it with CMake
# and with pkg-config (tests/install/).
if(TERN_TESTS AND TARGET tern)
  set(tern_consumer_flags "")
  if(TERN_SANITIZE)
    set(tern_consumer_flags "-fsanitize=address,undefined")
  endif()
  add_test(NAME install_consumer
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/install/install_test.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR}/tests/install/consumer ${CMAKE_COMMAND} ${CMAKE_CXX_COMPILER}
                   "${tern_consumer_flags}")
  set_tests_properties(install_consumer PROPERTIES LABELS unit TIMEOUT 300)
endif()
