#include <map>
#include <string>
#include <vector>
#include <cstdio>
namespace work {
template <typename T> struct Acc {
  std::vector<T> v;
  __attribute__((noinline)) T sum() const { T s{}; for (auto x : v) s += x; return s; }
};
struct Hasher { __attribute__((noinline)) unsigned long operator()(const std::string& s) const { unsigned long h = 1469598103934665603ul; for (char c : s) h = (h ^ c) * 1099511628211ul; return h; } };
namespace { __attribute__((noinline)) unsigned long spin(unsigned long k) { for (int i = 0; i < 2000; i++) k = k * 6364136223846793005ul + 1; return k; } }
}
int main() {
  work::Acc<double> a; for (int i = 0; i < 100000; i++) a.v.push_back(i);
  std::map<std::string, unsigned long> m; work::Hasher h; unsigned long t = 0;
  for (int r = 0; r < 400; r++) {
    t += (unsigned long)a.sum(); t += work::spin(r);
    for (int i = 0; i < 300; i++) { std::string s = std::to_string(i * r); m[s] += h(s); }
  }
  std::printf("%lu %zu\n", t, m.size());
}
