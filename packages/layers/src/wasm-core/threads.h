// Fork-join over WebAssembly threads that share one module's memory (thread-pool.ts starts them:
// one instance per worker, each with its own stack set by set_stack_pointer). A job is a function
// run by every thread with its index; the caller (thread 0) runs its share, then waits for the
// others. Workers sleep in memory.atomic.wait between jobs; the caller spins (a browser's main
// thread may not wait), which costs nothing since it has just run an equal share of the job.
// Needs the build's atomics (-matomics) and a shared memory (wasm-ld --shared-memory).
#ifndef HSRKIT_THREADS_H
#define HSRKIT_THREADS_H
#include <stdint.h>

typedef void (*job_fn)(int tid, int nth);

static struct {
  int32_t seq;     // bumped once per job (workers wait on it)
  int32_t pending; // workers that have not finished the current job
  int32_t nth;     // threads taking part in the current job (0 .. nth-1)
  job_fn fn;       // 0: workers return (shutdown)
} job;
static int32_t workers; // worker threads started (thread ids 1 .. workers)

// The job counter a new worker starts from (read before it reports ready, so no job is missed).
EXPORT(thread_seq) int32_t thread_seq(void) { return __atomic_load_n(&job.seq, __ATOMIC_ACQUIRE); }

// A worker's life: run every job posted after `seen` until the shutdown job.
EXPORT(thread_worker) void thread_worker(int32_t tid, int32_t seen) {
  for (;;) {
    int32_t s;
    while ((s = __atomic_load_n(&job.seq, __ATOMIC_ACQUIRE)) == seen)
      __builtin_wasm_memory_atomic_wait32(&job.seq, seen, -1);
    seen = s;
    job_fn fn = job.fn;
    if (fn && tid < job.nth) fn(tid, job.nth);
    __atomic_sub_fetch(&job.pending, 1, __ATOMIC_ACQ_REL);
    if (!fn) return;
  }
}

// Called by thread-pool.ts once its workers have reported ready (0: run everything on the caller).
EXPORT(thread_set_workers) void thread_set_workers(int32_t n) { workers = n; }

static void run_job(job_fn fn, int nth) {
  if (nth > workers + 1) nth = workers + 1;
  if (nth <= 1 || !fn) {
    if (fn) fn(0, 1);
    return;
  }
  job.fn = fn;
  job.nth = nth;
  __atomic_store_n(&job.pending, workers, __ATOMIC_RELEASE);
  __atomic_add_fetch(&job.seq, 1, __ATOMIC_ACQ_REL);
  __builtin_wasm_memory_atomic_notify(&job.seq, (uint32_t)workers);
  fn(0, nth);
  while (__atomic_load_n(&job.pending, __ATOMIC_ACQUIRE) > 0) {
  }
}

// Tells every worker to return from thread_worker (their instances can then be dropped).
EXPORT(thread_shutdown) void thread_shutdown(void) {
  if (!workers) return;
  job.fn = 0;
  job.nth = 0;
  __atomic_store_n(&job.pending, workers, __ATOMIC_RELEASE);
  __atomic_add_fetch(&job.seq, 1, __ATOMIC_ACQ_REL);
  __builtin_wasm_memory_atomic_notify(&job.seq, (uint32_t)workers);
  while (__atomic_load_n(&job.pending, __ATOMIC_ACQUIRE) > 0) {
  }
  workers = 0;
}

// [lo, hi) of `total` items for thread tid of nth (contiguous, sizes differ by at most one).
static inline void share(int total, int tid, int nth, int *lo, int *hi) {
  *lo = (int)((int64_t)total * tid / nth);
  *hi = (int)((int64_t)total * (tid + 1) / nth);
}
#endif
