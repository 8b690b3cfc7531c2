"""WARC files, the raw layer: writing captures, recovering files a killed run left open, reading.

Every response the scraper receives is appended to a gzipped WARC file (one gzip member per
record, as the WARC spec recommends, so any record can be read from its offset) with its
request, WARC-Date, block and payload digests, through warcio. A file is written as
`<name>.warc.gz.open` and renamed to `<name>.warc.gz` when it is full or the run ends (the
Heritrix convention), so a file without `.open` is always complete. A run that was killed
leaves an `.open` file whose last record may be cut; `recover_open_files` cuts it back to its
last complete gzip member and renames it, so nothing that was fully written is lost.

File names are `scrape-<run id>-<nnnnn>.warc.gz`: unique per run, and an existing file is
never opened for writing again.

    >>> import tempfile, io, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> w = WarcWriter(folder / "warc", run_id="20240101000000-abcdef", max_bytes=10**9)
    >>> body = b"<html>bonjour</html>"
    >>> http = response_headers(200, "OK", [("Content-Type", "text/html")])
    >>> d = BodyDigests(http); d.update(body)
    >>> name, offset = w.write_response(
    ...     url="http://a.example/", date=parse_warc_date("2024-01-01T00:00:00Z"),
    ...     http_headers=http, payload=io.BytesIO(body), digests=d,
    ...     request_line="GET / HTTP/1.1", request_headers=[("Host", "a.example")])
    >>> w.close()
    >>> with open_record(folder / name, offset) as rec:
    ...     rec.content_stream().read()
    b'<html>bonjour</html>'
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date, iso_date_to_datetime
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
GZIP_LEVEL = 6  # warcio's default is 9: three times slower for a few percent of disk
COPY_CHUNK = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"  # the first bytes of every gzip member
# Hop-by-hop framing that no longer describes the stored bytes (httpx has de-chunked them).
DROPPED_HEADERS = ("transfer-encoding",)


def warc_date(dt: datetime) -> str:
    """WARC-Date text (WARC/1.1: UTC with microseconds)."""
    return datetime_to_iso_date(dt.astimezone(UTC).replace(tzinfo=None), use_micros=True)


def parse_warc_date(text: str) -> datetime:
    """An aware UTC datetime from a WARC-Date (with or without fractions of a second)."""
    return iso_date_to_datetime(text).replace(tzinfo=UTC)


class RawStatusAndHeaders(StatusAndHeaders):
    """HTTP headers whose block is written byte for byte as received.

    warcio rebuilds the block from text and percent-encodes any non-ASCII byte; these keep the
    bytes the server sent (a latin-1 filename in Content-Disposition stays as it came), while
    `get_header` still answers from their latin-1 reading.
    """

    def __init__(self, statusline: str, headers: list[tuple[str, str]], protocol: str,
                 raw: bytes) -> None:
        super().__init__(statusline, headers, protocol=protocol)
        self.raw = raw

    def compute_headers_buffer(self, header_filter=None) -> None:
        self.headers_buff = self.raw


def response_headers(status: int, reason: str | bytes,
                     headers: list[tuple[str, str]] | list[tuple[bytes, bytes]],
                     protocol: str = "HTTP/1.1") -> StatusAndHeaders:
    """The HTTP status line and headers of a response, as stored in its WARC record.

    Given as bytes (as received), they are stored as those bytes; given as text, through
    warcio (which percent-encodes what is not ASCII).
    """
    protocol = protocol or "HTTP/1.1"
    raw = [(k, v) for k, v in headers if isinstance(k, bytes) and isinstance(v, bytes)]
    if isinstance(reason, bytes) and len(raw) == len(headers):
        return _raw_headers(status, reason, raw, protocol)
    text = [(_text(k), _text(v)) for k, v in headers]
    kept = [(k, v) for k, v in text if k.lower() not in DROPPED_HEADERS]
    kept += [(f"X-Archive-Orig-{k}", v) for k, v in text if k.lower() in DROPPED_HEADERS]
    return StatusAndHeaders(f"{status} {_text(reason)}".strip(), kept, protocol=protocol)


def _raw_headers(status: int, reason: bytes, headers: list[tuple[bytes, bytes]],
                 protocol: str) -> RawStatusAndHeaders:
    def dropped(key: bytes) -> bool:
        return key.decode("latin-1").lower() in DROPPED_HEADERS

    kept = [(k, v) for k, v in headers if not dropped(k)]
    kept += [(b"X-Archive-Orig-" + k, v) for k, v in headers if dropped(k)]
    statusline = f"{status} ".encode() + reason if reason else str(status).encode()
    block = b"".join([protocol.encode("ascii") + b" " + statusline + b"\r\n",
                      *(k + b": " + v + b"\r\n" for k, v in kept), b"\r\n"])
    return RawStatusAndHeaders(
        statusline.decode("latin-1"),
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in kept], protocol, block)


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _b32(digest: bytes) -> str:
    return "sha1:" + base64.b32encode(digest).decode("ascii")


class BodyDigests:
    """Digests of a response computed while it streams in, so its body is read only once.

    `block` covers the HTTP headers and the payload (WARC-Block-Digest), `payload` the body
    alone (WARC-Payload-Digest), `sha256` the body for the fetches table.
    """

    def __init__(self, http_headers: StatusAndHeaders) -> None:
        http_headers.compute_headers_buffer()
        self._block = hashlib.sha1(http_headers.headers_buff)
        self._payload = hashlib.sha1()
        self._sha256 = hashlib.sha256()
        self.n_bytes = 0

    def update(self, chunk: bytes) -> None:
        self._block.update(chunk)
        self._payload.update(chunk)
        self._sha256.update(chunk)
        self.n_bytes += len(chunk)

    @property
    def block(self) -> str:
        return _b32(self._block.digest())

    @property
    def payload(self) -> str:
        return _b32(self._payload.digest())

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()


class _GzipMember:
    """A file-like that writes one gzip member per record (closed by warcio's flush)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        # Ends the member; the writer flushes the file once the whole record pair is in.
        self.out.write(self.compressor.flush())


class WarcWriter:
    """Appends records to `<folder>/scrape-<run_id>-<nnnnn>.warc.gz`, rotating past max_bytes.

    Args:
        folder: where the WARC files go (created).
        run_id: unique id of the run; it names the files.
        max_bytes: start a new file once the current one reaches this size.
        info: fields of the warcinfo record that opens every file.
        relative_to: file names returned are relative to this folder (default: its parent).
    """

    def __init__(self, folder: Path, *, run_id: str, max_bytes: int,
                 info: dict[str, str] | None = None, relative_to: Path | None = None) -> None:
        self.folder = Path(folder)
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.info = {"software": "city-discourse scraper (httpx, warcio)",
                     "format": "WARC File Format 1.1",
                     "conformsTo": "https://iipc.github.io/warc-specifications/"
                                   "specifications/warc-format/warc-1.1/",
                     **(info or {})}
        self.relative_to = Path(relative_to) if relative_to else self.folder.parent
        self._writer = WARCWriter(None, gzip=False, warc_version="1.1")
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._name = ""
        self._seq = 0

    # --- files -----------------------------------------------------------------------------

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            self._seq += 1
            final = self.folder / f"scrape-{self.run_id}-{self._seq:05d}.warc.gz"
            path = final.with_name(final.name + OPEN_SUFFIX)
            if final.exists() or path.exists():
                continue
            try:
                self._file = open(path, "xb")  # noqa: SIM115 - kept open across records
            except FileExistsError:
                continue
            self._path = final
            self._name = os.path.relpath(final, self.relative_to)
            break
        info = self._writer.create_warcinfo_record(final.name, self.info)
        self._write(info)

    def _write(self, record: ArcWarcRecord) -> int:
        assert self._file is not None
        offset = self._file.tell()
        self._writer._write_warc_record(_GzipMember(self._file), record)
        return offset

    def _after_write(self) -> str:
        # Flushed before the caller journals the record, so a row never points past the file.
        assert self._file is not None
        self._file.flush()
        name = self._name
        if self._file.tell() >= self.max_bytes:
            self.close()
        return name

    def close(self) -> None:
        """Finish the current file: fsync it and drop its `.open` suffix."""
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        assert self._path is not None
        os.replace(self._path.with_name(self._path.name + OPEN_SUFFIX), self._path)
        self._file = None
        self._path = None

    # --- records ---------------------------------------------------------------------------

    def write_response(self, *, url: str, date: datetime, http_headers: StatusAndHeaders,
                       payload: IO[bytes], digests: BodyDigests, request_line: str,
                       request_headers: list[tuple[str, str]],
                       truncated: bool | str | None = False,
                       ip_address: str | None = None) -> tuple[str, int]:
        """Append a response record and its request record.

        Args:
            url: WARC-Target-URI, the URL requested.
            date: when the response arrived (WARC-Date of both records).
            http_headers: from `response_headers`.
            payload: the body, positioned at its start (read in chunks, never whole).
            digests: the body's digests, computed while it streamed in.
            request_line: e.g. `GET /fr/ville HTTP/1.1`.
            request_headers: the headers sent.
            truncated: the body is cut: the WARC-Truncated reason (`length`: at the size limit,
                `disconnect`: the server hung up early), or True for `length`.
            ip_address: the server's address, when known.

        Returns:
            (file name relative to `relative_to`, byte offset of the response record).
        """
        if self._file is None:
            self._open()
        headers = {"WARC-Date": warc_date(date), "WARC-Payload-Digest": digests.payload,
                   "WARC-Block-Digest": digests.block}
        if truncated:
            headers["WARC-Truncated"] = truncated if isinstance(truncated, str) else "length"
        if ip_address:
            headers["WARC-IP-Address"] = ip_address
        response = self._writer.create_warc_record(
            url, "response", payload=payload, length=digests.n_bytes,
            warc_headers_dict=headers, http_headers=http_headers)
        request = self._writer.create_warc_record(
            url, "request", payload=BytesIO(), length=0,
            warc_headers_dict={"WARC-Date": headers["WARC-Date"]},
            http_headers=StatusAndHeaders(request_line, request_headers, is_http_request=True))
        request.rec_headers.add_header(
            "WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        offset = self._write(response)
        self._write(request)
        return self._after_write(), offset

    def copy_record(self, src: Path, offset: int, length: int, compressed: bool
                    ) -> tuple[str, int]:
        """Append a record of another WARC file unchanged (gzipping it if it was not).

        Returns:
            (file name relative to `relative_to`, byte offset of the copy).
        """
        if self._file is None:
            self._open()
        assert self._file is not None
        start = self._file.tell()
        with open(src, "rb") as fh:
            fh.seek(offset)
            remaining = length
            member = None if compressed else _GzipMember(self._file)
            while remaining > 0:
                chunk = fh.read(min(COPY_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                if member:
                    member.write(chunk)
                else:
                    self._file.write(chunk)
            if member:
                member.write(b"\r\n\r\n")  # warcio's record length leaves these out
                member.flush()
        return self._after_write(), start


# --- recovery ------------------------------------------------------------------------------

def _complete_members_end(path: Path) -> int:
    """Byte offset just past the last complete gzip member of a file."""
    end = 0
    pos = 0
    inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
    with open(path, "rb") as fh:
        while chunk := fh.read(COPY_CHUNK):
            pos += len(chunk)
            data = chunk
            while data:
                try:
                    inflater.decompress(data)
                except zlib.error:
                    return end
                if not inflater.eof:
                    break
                data = inflater.unused_data
                end = pos - len(data)
                inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
    return end


def recover_open_files(folder: Path) -> list[tuple[Path, int]]:
    """Close the WARC files a killed run left open.

    Each `*.warc.gz.open` file is cut back to its last complete record and renamed to
    `*.warc.gz`; an empty one is removed.

    Returns:
        (recovered file, bytes cut off) for every file that was open.
    """
    recovered = []
    for path in sorted(Path(folder).glob(f"*.warc.gz{OPEN_SUFFIX}")):
        size = path.stat().st_size
        end = _complete_members_end(path)
        final = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        if end == 0:
            path.unlink()
            log.warning("%s: removed (no complete record in it)", path)
            continue
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(path, final)
        recovered.append((final, size - end))
        log.warning("%s: recovered from an interrupted run (%d bytes of a cut record "
                    "dropped)", final, size - end)
    return recovered


# --- reading -------------------------------------------------------------------------------

class Inflater:
    """Inflates a gzip or deflate body (a Content-Encoding) a bounded step at a time.

    A decompression bomb costs no more than a step of memory per call; gzip members that follow
    one another are all inflated; deflate without its zlib header is understood too. A body that
    does not inflate from its first byte is passed through as it is (it was not compressed, the
    header lied); one that stops inflating part-way ends there, and `broken` says why.

        >>> import gzip
        >>> body = gzip.compress(bytes(10_000))
        >>> sum(len(piece) for piece in Inflater("gzip").inflate(body, step=4096))
        10000
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding.lower().removeprefix("x-")
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        self._started = False
        self._passthrough = False
        self.broken: str | None = None

    def inflate(self, data: bytes, step: int = 1 << 20) -> Iterator[bytes]:
        """The inflated bytes of `data` (the next part of the body), `step` bytes at most each."""
        if self._passthrough:
            yield from (data[i:i + step] for i in range(0, len(data), step))
            return
        if self._inflater.eof and data.strip(b"\0"):
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # another gzip member
        while data and self.broken is None and not self._inflater.eof:
            try:
                out = self._inflater.decompress(data, step)
            except zlib.error as exc:
                if not self._started and self.encoding == "deflate":
                    self.encoding = "raw deflate"  # some servers send deflate without header
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                if not self._started:
                    self._passthrough = True
                    self.broken = f"declared {self.encoding} but not compressed: read as is"
                    yield from self.inflate(data, step)
                    return
                self.broken = f"the body does not inflate ({self.encoding}): {exc}"
                return
            self._started = True
            if out:
                yield out
            data = self._inflater.unconsumed_tail
            if self._inflater.eof and self._inflater.unused_data.strip(b"\0"):
                data = self._inflater.unused_data
                self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)


INFLATED_ENCODINGS = ("gzip", "x-gzip", "deflate")


class PayloadTooLarge(ValueError):
    """A payload holds more than the bytes allowed (it is left unread)."""


def read_payload(record: ArcWarcRecord, max_bytes: int | None = None,
                 step: int = 1 << 20) -> bytes:
    """A response record's payload as a reader wants it: de-chunked and inflated.

    Read `step` bytes at a time and inflated (gzip, deflate) a step at a time, so memory stays
    within `max_bytes` plus a step or two whatever the record holds.

    Raises:
        PayloadTooLarge: when the payload (inflated) holds more than `max_bytes`.
        ValueError: when the record is cut short.
    """
    http = record.http_headers
    encoding = ((http.get_header("Content-Encoding") if http else None) or "").strip().lower()
    chunked = http is not None and (http.get_header("Transfer-Encoding") or "").lower() == \
        "chunked"
    limit = max_bytes if max_bytes is not None else float("inf")
    if chunked:  # a foreign WARC's framing: warcio de-chunks (and inflates, 16 KB a read)
        source, inflater = record.content_stream(), None
    else:
        source = record.raw_stream
        inflater = Inflater(encoding) if encoding in INFLATED_ENCODINGS else None
    parts: list[bytes] = []
    n = 0
    while chunk := source.read(step):
        for piece in inflater.inflate(chunk, step) if inflater else (chunk,):
            parts.append(piece)
            n += len(piece)
            if n > limit:
                raise PayloadTooLarge(f"payload larger than max_bytes ({max_bytes} bytes): "
                                      f"not read")
    while record.raw_stream.read(step):  # what a decoder left unread (a trailer)
        pass
    if record.raw_stream.limit > 0:
        raise ValueError(f"record cut short ({record.raw_stream.limit} bytes missing)")
    if inflater is not None and inflater.broken:
        log.info("%s: %s", record.rec_headers.get_header("WARC-Target-URI"), inflater.broken)
    return b"".join(parts)


def record_problem(path: Path, offset: int, sha256: str | None = None) -> str | None:
    """Why the response record at `offset` of `path` cannot be read back whole (None if it can).

    Reads the record once, without decoding its payload: a response or resource record must
    start at the offset and its block must read to its end (a cut file or a damaged gzip member
    stops early); when `sha256` is given and the payload is stored as sent (no
    Content-Encoding), its digest must match.
    """
    try:
        with open_record(path, offset) as record:
            if record.rec_type not in ("response", "resource"):
                return f"a '{record.rec_type}' record at offset {offset}, not a response"
            stream = record.raw_stream
            digest = hashlib.sha256()
            while chunk := stream.read(COPY_CHUNK):
                digest.update(chunk)
            if stream.limit > 0:
                return f"record at offset {offset} cut short ({stream.limit} bytes missing)"
            http = record.http_headers
            # The fetches row digests the payload as a reader returns it: decoded, de-chunked.
            encoded = http and (http.get_header("Content-Encoding")
                                or http.get_header("Transfer-Encoding"))
            if sha256 and not encoded and digest.hexdigest() != sha256:
                return f"record at offset {offset}: payload digest differs from the fetches row"
    except FileNotFoundError:
        return "WARC file not found"
    except Exception as exc:  # warcio raises many types on a damaged file
        return f"{type(exc).__name__}: {exc}"
    return None


@contextmanager
def open_record(path: Path, offset: int) -> Iterator[ArcWarcRecord]:
    """The WARC record at `offset` of `path` (read its body with `content_stream()`).

    A record must start exactly there: in a gzipped file a gzip member starts at every record
    (the bytes at any other offset do not inflate, and warcio would read them raw), and what
    starts there must be a WARC record. warcio falls back to reading any first line of five
    words as an ARC header, so an offset into the middle of a record (a damaged fetches row)
    would read, depending on the bytes it lands on, as an empty response instead of failing.

    Raises:
        ValueError: when no WARC record starts at that offset.
    """
    with open(path, "rb") as fh:
        gzipped = fh.read(len(GZIP_MAGIC)) == GZIP_MAGIC
        fh.seek(offset)
        if gzipped and fh.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
            raise ValueError(f"{path}: no WARC record at offset {offset} (no gzip member "
                             f"starts there)")
        fh.seek(offset)
        records = ArchiveIterator(fh)
        try:
            record = next(iter(records), None)
        except ArchiveLoadFailed as exc:
            raise ValueError(f"{path}: no WARC record at offset {offset} ({exc})") from None
        if record is None:
            raise ValueError(f"{path}: no WARC record at offset {offset}")
        if record.format != "warc" or not record.rec_type:
            raise ValueError(f"{path}: no WARC record at offset {offset} (what starts there "
                             f"is not a WARC header)")
        yield record
        records.close()
