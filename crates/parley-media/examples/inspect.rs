//! Prints what probe and decode make of files: `cargo run -p parley-media --example inspect -- FILE...`

fn main() {
    for path in std::env::args().skip(1) {
        println!("{path}");
        match parley_media::probe_file(&path) {
            Ok(info) => println!("  probe: {info:?}"),
            Err(err) => println!("  probe: {:?}: {err}", err.kind()),
        }
        let start = std::time::Instant::now();
        match parley_media::decode_file(&path, &parley_media::DecodeOptions::default()) {
            Ok(audio) => {
                let rms: Vec<String> = audio
                    .channels
                    .iter()
                    .map(|c| {
                        let rms =
                            (c.iter().map(|s| s * s).sum::<f32>() / c.len().max(1) as f32).sqrt();
                        format!("{:.1} dBFS", 20.0 * rms.max(1e-9).log10())
                    })
                    .collect();
                println!("  decode: {audio:?} rms {rms:?} in {:?}", start.elapsed());
            }
            Err(err) => println!("  decode: {:?}: {err}", err.kind()),
        }
    }
}
