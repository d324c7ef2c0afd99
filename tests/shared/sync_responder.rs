// Shared by immich-blocking/tests/sync_stream.rs and immich-tokio/tests/sync_stream.rs
// (through `include!`): the canned JSON-lines body and the raw loopback responder's helpers.
// The including file imports `BufRead`, `BufReader`, `Read`, `Write` and `TcpStream`.

const FIRST: &str = r#"{"type":"AssetDeleteV1","data":{"assetId":"a1"},"ack":"AssetDeleteV1|01"}"#;
const REST: &str = concat!(
    r#"{"type":"AssetDeleteV1","data":{"assetId":"Zürich-2"},"ack":"AssetDeleteV1|02"}"#,
    "\r\n",
    r#"{"type":"SyncCompleteV1","data":{},"ack":"SyncCompleteV1|03"}"#,
    "\n"
);

/// Reads one request head and its `Content-Length` body; returns the head.
fn read_request(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (head, body)
}

fn chunk(stream: &mut TcpStream, data: &[u8]) {
    stream
        .write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .unwrap();
    stream.write_all(data).unwrap();
    stream.write_all(b"\r\n").unwrap();
    stream.flush().unwrap();
}
