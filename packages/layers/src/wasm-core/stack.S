# Sets this instance's stack pointer: each thread of a shared-memory module runs its own instance
# and needs its own stack (threads.h, thread-pool.ts). C cannot write __stack_pointer.
.globaltype __stack_pointer, i32
.globl set_stack_pointer
.export_name set_stack_pointer, set_stack_pointer
set_stack_pointer:
  .functype set_stack_pointer (i32) -> ()
  local.get 0
  global.set __stack_pointer
  end_function
