// libtern.so's own source: none. The library is the module archives linked
// whole (cmake/TernPackage.cmake); CMake wants one source per library.
