// Runs one fuzz input on a real non-blocking pipepool pipe ("main") and a second one ("aux", same
// policy and allocator, both ends always open and non-blocking, reached by splice, tee and reads)
// and on a reference model of each (pipe_model.hpp), comparing every result: counts, errno, bytes
// read (content), FIONREAD, poll revents of both ends, pipe size, open ends, F_GETFL flags,
// counters (of both pipes), and in the end, with both pipes closed, that every page went back to
// the allocator. On the first difference it prints the operation trace and aborts (a crash for
// libFuzzer, a failure for the replay test).
//
// Input format (missing bytes read as 0, so every byte string is a valid input):
//   byte 0  policy: index (mod count) into the policies this build has, in the order
//           legacy, prealloc, unified, shrinker
//   byte 1  allocator: bit 7 set -> the model allocator fails every ((b & 15) + 1)-th
//           allocation; clear -> it never fails
//   byte 2  bit 0: the write end starts in packet mode (O_DIRECT)
//   then operations until the input ends: an opcode byte (mod 20) and its arguments
//     0, 1  write      h:u8 len:SIZE
//     2     writev     h:u8 n:u8 (1 + n % 8 segments) then n x SIZE (zero-length segments at odd
//                      positions have a null base)
//     3     read       h:u8 len:SIZE
//     4     vmsplice read  h:u8 len:SIZE             (read end: copies out, no packet boundaries)
//     5     readv      h:u8 n:u8 then n x SIZE
//     6     resize     h:u8 bytes:RSIZE               (F_SETPIPE_SZ through that handle)
//     7     close      h:u8                           (the handle; the last one closes its end)
//     8     dup        h:u8                           (clone of the handle: the same end)
//     9     nonblock   h:u8                           (toggles O_NONBLOCK on the handle's end)
//     10    packet     h:u8                           (toggles O_DIRECT on the handle's end)
//     11    reopen     f:u8   bit 0 writer side, bit 1 O_NONBLOCK, bit 2 O_DIRECT (a new end)
//     12    resize as CAP_SYS_RESOURCE   k:u8         (4096 << (k % 11)) + (k >> 7)
//     13    wrong end  h:u8                           (read on a write end or write on a read
//                                                      end: EBADF; also a closed handle)
//     14    vmsplice   h:u8 n:u8 then n x SIZE, a:u8  (write end: the pipe references the
//                      segments, laid out from 16 * a bytes (mod 4096) after a page boundary and
//                      kept until read; SPLICE_F_NONBLOCK when the end is O_NONBLOCK)
//     15    read all   h:u8                           (a 2 MiB read)
//     16    splice main->aux  h:u8 len:SIZE           (h: a main read end)
//     17    splice aux->main  h:u8 len:SIZE           (h: a main write end)
//     18    tee main->aux     h:u8 len:SIZE           (h: a main read end)
//     19    read aux   len:SIZE                       (compares the bytes)
//   splice and tee always pass SPLICE_F_NONBLOCK.
//   h picks one of the open handles (mod count); an operation with no handle to use is skipped,
//   and so is a call on a blocking end that the model says would block.
//   SIZE  k:u8, by k % 8: 0 -> k >> 3;  1 -> 1 + u8;  2 -> 3968 + u8;  3 -> 4096 * (1 + u8 % 24);
//         4 -> u16;  5 -> 4096 * (1 + u8 % 24) + 1 + u8 % 128;  6 -> 65536;  7 -> 4 * u16
//   RSIZE k:u8, by k % 8: 0 -> 0;  1 -> 32 * u8;  2 -> 4096 << (u8 % 10);  3 -> as 2, minus 1;
//         4 -> as 2, plus 1;  5 -> 2^31 + u8 % 2;  6 -> 16 * u16;  7 -> 2^40
//
// Environment: PIPEPOOL_FUZZ_TRACE=1 prints every operation to stderr.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pipepool::fuzz {

// Runs `data` as described above. Returns normally when the pipe matched the model throughout.
void run_pipe_ops(const std::uint8_t* data, std::size_t size);

}  // namespace pipepool::fuzz
