use std::collections::HashMap;
struct Acc<T> { v: Vec<T> }
impl<T: Copy + std::ops::Add<Output = T> + Default> Acc<T> {
    #[inline(never)]
    fn sum(&self) -> T { let mut s = T::default(); for x in &self.v { s = s + *x; } s }
}
trait Work { fn work(&mut self, n: u64) -> u64; }
struct W { m: HashMap<u64, u64> }
impl Work for W {
    #[inline(never)]
    fn work(&mut self, n: u64) -> u64 {
        for i in 0..n { *self.m.entry(i % 1000).or_insert(0) += i; }
        self.m.values().sum()
    }
}
fn main() {
    let mut w = W { m: HashMap::new() };
    let mut t = 0u64;
    let a = Acc { v: (0..100000u64).collect::<Vec<_>>() };
    let f = |k: u64| -> u64 { let mut x = k; for _ in 0..1000 { x = x.wrapping_mul(6364136223846793005).wrapping_add(1); } x };
    for r in 0..300 { t = t.wrapping_add(w.work(20000)).wrapping_add(a.sum()).wrapping_add(f(r)); }
    println!("{}", t);
}
