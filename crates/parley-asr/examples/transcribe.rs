//! Transcribes a media file: `cargo run --release -p parley-asr --example transcribe -- FILE [MODEL]`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let file = args.get(1).ok_or("usage: transcribe FILE [MODEL]")?;
    let model = args.get(2).map_or("tiny.en", String::as_str);
    let t0 = std::time::Instant::now();
    let audio = parley_media::decode_file(std::path::Path::new(file), &Default::default())?;
    let cfg = parley_asr::EngineConfig::new(
        parley_asr::ModelFiles::new(parley_asr::ModelFiles::default_dir()),
        model,
    );
    let engine = parley_asr::Engine::load(&cfg)?;
    let t1 = std::time::Instant::now();
    let t = engine.transcribe(&audio.channels, &Default::default(), &|_| {})?;
    for u in &t.utterances {
        println!("[{:7.2} {:7.2}] S{} {}", u.start, u.end, u.speaker, u.text);
    }
    eprintln!(
        "lang {} load+decode {:?} transcribe {:?} audio {:.1}s",
        t.language,
        t1 - t0,
        t1.elapsed(),
        t.duration_s
    );
    Ok(())
}
