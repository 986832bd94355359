# `cmake --install <build> [--prefix DIR]` installs the library for other builds:
#   include/pipepool/*                      public headers (src/ stays private)
#   lib/libpipepool.a                       the static library
#   lib/cmake/pipepool/pipepool*.cmake      find_package(pipepool): imported target pipepool::pipepool
#   lib/pkgconfig/pipepool.pc               pkg-config --cflags --libs pipepool
# (lib/ is CMAKE_INSTALL_LIBDIR.) Every file locates the prefix from its own place, so the tree
# can be installed with --prefix or DESTDIR and moved.
include(CMakePackageConfigHelpers)

set(PIPEPOOL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pipepool)

install(TARGETS pipepool EXPORT pipepoolTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pipepool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(EXPORT pipepoolTargets NAMESPACE pipepool:: DESTINATION ${PIPEPOOL_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pipepoolConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/pipepoolConfig.cmake
                              INSTALL_DESTINATION ${PIPEPOOL_CMAKE_DIR})
# 0.x: a minor version may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pipepoolConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pipepoolConfig.cmake
              ${PROJECT_BINARY_DIR}/pipepoolConfigVersion.cmake
        DESTINATION ${PIPEPOOL_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own directory (${pcfiledir}).
set(PIPEPOOL_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(PIPEPOOL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH rel "/prefix/${PIPEPOOL_PC_DIR}" "/prefix")
  string(REGEX REPLACE "/$" "" rel "${rel}")
  set(PIPEPOOL_PC_PREFIX "\${pcfiledir}/${rel}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(PIPEPOOL_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(PIPEPOOL_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/pipepool.pc.in ${PROJECT_BINARY_DIR}/pipepool.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pipepool.pc DESTINATION ${PIPEPOOL_PC_DIR})
