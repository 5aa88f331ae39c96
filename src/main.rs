fn main() {
    println!("pocket");
}
