// Minimal C-simulation stand-in for Vivado HLS's hls_stream.h: an unbounded
// FIFO (std::deque). read() on an empty stream aborts (in hardware it would
// block forever). Per-element-type counters of reads/writes and of elements
// left unread when a stream is destroyed let the caller verify afterwards that
// every instruction pushed by fetch() was actually executed.
#ifndef HLS_STREAM_SHIM_H_
#define HLS_STREAM_SHIM_H_
#include <cstdio>
#include <cstdlib>
#include <deque>

namespace hls {

template <typename T>
class stream {
 public:
  static inline unsigned long long total_writes = 0;
  static inline unsigned long long total_reads = 0;
  static inline unsigned long long left_unread = 0;  // summed over destroyed streams

  stream() {}
  explicit stream(const char*) {}
  ~stream() { left_unread += q_.size(); }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;

  T read() {
    if (q_.empty()) {
      std::fprintf(stderr, "hls::stream: read from empty stream\n");
      std::abort();
    }
    T v = q_.front();
    q_.pop_front();
    ++total_reads;
    return v;
  }
  void read(T& v) { v = read(); }
  bool read_nb(T& v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }
  void write(const T& v) { q_.push_back(v); ++total_writes; }
  bool write_nb(const T& v) { write(v); return true; }
  void operator<<(const T& v) { write(v); }
  void operator>>(T& v) { read(v); }
  bool empty() const { return q_.empty(); }
  bool full() const { return false; }
  size_t size() const { return q_.size(); }

 private:
  std::deque<T> q_;
};

}  // namespace hls
#endif  // HLS_STREAM_SHIM_H_
