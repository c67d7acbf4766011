//! `calloff export ocds`: every release as one OCDS release package, written as it is read.

use calloff_app::App;
use calloff_interop::ocds::OcidPrefix;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct OcdsArgs {
    /// The file to write (replaced if it exists).
    #[arg(long)]
    pub out: PathBuf,

    /// The publisher's OCDS ocid prefix (as for `serve`).
    #[arg(long, env = "CALLOFF_OCID_PREFIX", default_value = calloff_interop::ocds::TEST_OCID_PREFIX, value_parser = crate::parse_ocid_prefix)]
    pub ocid_prefix: OcidPrefix,

    /// The package's `uri`: where it will be published. Defaults to the file's own URL.
    #[arg(long)]
    pub uri: Option<String>,
}

pub async fn ocds(app: &App, args: &OcdsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = std::fs::File::create(&args.out)
        .map_err(|e| anyhow::anyhow!("out: cannot write {}: {e}", args.out.display()))?;
    let uri = match &args.uri {
        Some(uri) => uri.clone(),
        None => {
            let path = std::path::absolute(&args.out)?;
            format!("file://{}", path.display())
        }
    };
    let (_, releases, call_offs) = calloff_app::ocds::export(app, BufWriter::new(file), uri).await?;
    let peak = crate::import::peak_memory_mb()
        .map(|mb| format!(", peak memory {mb:.1} MB"))
        .unwrap_or_default();
    println!(
        "Wrote {releases} releases of {call_offs} call-offs to {} in {:.2} s{peak}",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
