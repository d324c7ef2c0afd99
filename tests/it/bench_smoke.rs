//! The benchmark's smoke mode: every case once on small sizes, so the benchmark keeps compiling
//! and working. Timings here mean nothing (debug build, tests running in parallel); the test
//! checks that every case ran and produced a sane figure. The benchmark itself checks that
//! each client moved every byte and request it should have.

use immich_tests::bench::{self, Better, Config};

#[test]
fn smoke_mode_runs_every_case_with_sane_figures() {
    let config = Config::smoke(env!("CARGO_BIN_EXE_bench"));
    assert!(
        config.curl.is_file(),
        "the benchmark compares against curl, which is not at {}: install curl",
        config.curl.display()
    );
    let report = match bench::run(&config) {
        Ok(report) => report,
        Err(failure) => panic!("the benchmark failed in smoke mode: {failure}"),
    };
    let table = report.markdown();
    immich_tests::report(&table);

    let cases = [
        ("upload a 8 MiB file", 3),
        ("upload a 8 MiB file with checksum", 2),
        ("stream a 8 MiB video", 3),
        ("20 GET /server/about", 3),
        ("20 thumbnails of 64 KiB", 3),
        // Issue 14: hash then send, SHA-1 speed, the grid, folders, the library walk.
        ("hash, then send a 8 MiB file", 5),
        ("SHA-1 of 1 MiB in memory", 2),
        ("20 thumbnails of 64 KiB, 16 at a time", 3),
        ("upload a folder of 20 files of 16 KiB", 4),
        ("upload a folder of 3 files of 1 MiB", 4),
        ("decode a 100-asset search page", 2),
        ("2 pages x 100 assets", 2),
        ("walk a 300-asset library", 2),
        // Issue 12: the second backup run, and the first for reference (--jobs 1 and 4).
        ("a second backup run of an unchanged 200-asset library", 3),
        // Issue 16: `immich upload` of a folder, a stored zip and a deflated zip of it.
        ("immich upload a 4352 KiB zip", 3),
    ];
    let mut listed = 0;
    for (prefix, expected) in cases {
        let rows: Vec<_> = report
            .case(prefix)
            .into_iter()
            .filter(|r| prefix.contains("checksum") || !r.case.contains("checksum"))
            // The grid's rows start like the one-connection thumbnails'.
            .filter(|r| prefix.contains("at a time") || !r.case.contains("16 at a time"))
            .collect();
        assert_eq!(rows.len(), expected, "rows of `{prefix}` in\n{table}");
        listed += expected;
    }
    // The checksum rows are listed under their own prefix and filtered from the plain one.
    let others = report.case("sync stream").len();
    assert_eq!(report.rows.len(), listed + others, "{table}");
    for row in &report.rows {
        assert!(
            row.value.is_finite() && row.value > 0.0,
            "{} / {}: {} {}",
            row.case,
            row.client,
            row.value,
            row.unit
        );
        assert_eq!(row.samples.len(), 1, "one run per case in smoke mode");
        if let Some((ratio, _)) = &row.ratio {
            assert!(
                ratio.is_finite() && *ratio > 0.0,
                "{}: ratio {ratio}",
                row.case
            );
        }
        // Every compared row has a verdict; baselines and reports have none.
        assert_eq!(row.met.is_some(), row.ratio.is_some(), "{}", row.client);
        if row.unit == "s" || row.unit == "ms/page" {
            assert_eq!(row.better, Better::Lower);
        }
    }
    // Peak memory is measured for every client that moves a file or a video, curl included.
    for row in report.rows.iter().filter(|r| {
        (r.case.starts_with("upload") || r.case.starts_with("stream")) && r.unit == "MB/s"
    }) {
        let kib = row.peak_rss_kib.unwrap_or(0);
        assert!(
            (512..4 * 1024 * 1024).contains(&kib),
            "{} / {}: peak RSS {kib} KiB",
            row.case,
            row.client
        );
    }
    // The second backup run fetched no original (the benchmark also fails if it wrote or
    // downloaded anything); its time is only checked in release runs.
    let backup = report.case("a second backup run");
    assert_eq!(
        backup[0].client, "immich backup, 0 originals downloaded",
        "{table}"
    );
    assert!(
        backup[0].met.is_some() && backup[1].met.is_none() && backup[2].met.is_none(),
        "{table}"
    );
    // The zip case: the folder is the baseline, the stored zip has the verdict, and each of
    // the three `immich upload` processes had its peak memory measured.
    let zip = report.case("immich upload a 4352 KiB zip");
    assert!(
        zip[0].met.is_none() && zip[1].met.is_some() && zip[2].met.is_none(),
        "{table}"
    );
    for row in &zip {
        let kib = row.peak_rss_kib.unwrap_or(0);
        assert!(
            (512..4 * 1024 * 1024).contains(&kib),
            "{}: {kib} KiB",
            row.client
        );
    }
    let markdown_rows = table.lines().filter(|l| l.starts_with("| ")).count();
    assert_eq!(
        markdown_rows,
        1 + report.rows.len(),
        "header plus one line per row"
    );
}
