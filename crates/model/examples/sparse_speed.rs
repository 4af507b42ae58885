//! temp
use mnist_model::SparseRows;
use std::time::Instant;
fn main() {
    let (m, k, n) = (500usize, 784usize, 784usize);
    let imgs = mnist_data::read_idx_images(std::env::args().nth(1).unwrap()).unwrap();
    let a: Vec<f32> = mnist_data::normalize_image(&imgs.pixels[784 * 1000..784 * 1500]);
    let w: Vec<f32> = (0..k * n).map(|i| (i % 7) as f32 * 0.1).collect();
    for _ in 0..10 {
        let t0 = Instant::now();
        let nz = a.iter().filter(|v| **v != 0.0).count();
        println!("count {:?} {nz}", t0.elapsed());
        let t = Instant::now();
        let s = SparseRows::from_dense(&a, k);
        let t1 = t.elapsed();
        let out = s.times(&w, n);
        let t2 = t.elapsed();
        let tr = s.transposed();
        let t3 = t.elapsed();
        let g = tr.times(&out, n);
        let t4 = t.elapsed();
        println!(
            "csr {:?} times {:?} transpose {:?} ttimes {:?} {}",
            t1,
            t2 - t1,
            t3 - t2,
            t4 - t3,
            g[1000]
        );
    }
}
