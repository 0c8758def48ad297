# dubbo_generate(<target> <file.idl>... [IMPORT_DIRS <dir>...])
#
# Compiles IDL files (docs/idl.md) with rpcgen at build time and adds the generated C++ to
# <target>: each foo.idl becomes ${CMAKE_CURRENT_BINARY_DIR}/dubbo_generated/foo.dubbo.{h,cc};
# foo.dubbo.cc is compiled into <target>, the directory is on its include path (PUBLIC, so
# targets linking <target> can include "foo.dubbo.h") and <target> links dubbo_rpc.
#
# Imports are found next to the importing file, then in IMPORT_DIRS. A file that is imported
# must be generated too (in this call or another one whose target <target> links), since
# foo.dubbo.h includes bar.dubbo.h for `import "bar.idl"`.
#
# The files are regenerated when an .idl file, anything it imports (rpcgen writes a depfile) or
# rpcgen itself changes.
function(dubbo_generate target)
  cmake_parse_arguments(ARG "" "" "IMPORT_DIRS" ${ARGN})
  if(NOT ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "dubbo_generate(${target}): no .idl files given")
  endif()
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/dubbo_generated)
  set(include_args)
  foreach(dir ${ARG_IMPORT_DIRS})
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND include_args --include-dir ${dir})
  endforeach()

  foreach(idl ${ARG_UNPARSED_ARGUMENTS})
    get_filename_component(idl_path ${idl} ABSOLUTE)
    get_filename_component(stem ${idl} NAME_WLE)
    set(header ${out_dir}/${stem}.dubbo.h)
    set(source ${out_dir}/${stem}.dubbo.cc)
    add_custom_command(
      OUTPUT ${header} ${source}
      COMMAND rpcgen --out ${out_dir} ${include_args} --depfile ${out_dir}/${stem}.d ${idl_path}
      DEPENDS ${idl_path} rpcgen
      DEPFILE ${out_dir}/${stem}.d
      COMMENT "rpcgen ${idl}"
      VERBATIM)
    target_sources(${target} PRIVATE ${header} ${source})
  endforeach()
  target_include_directories(${target} PUBLIC ${out_dir})
  target_link_libraries(${target} PUBLIC dubbo_rpc)
endfunction()
