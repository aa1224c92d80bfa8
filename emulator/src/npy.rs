//! NumPy `.npy` files (format versions 1.0–3.0), for moving tensors in and out of runs.
//!
//! Element types map to `descr` strings as NumPy writes them: `i8` `|i1`, `u8` `|u1`, `i32`
//! `<i4`, `fp16` `<f2`, `fp32` `<f4`. NumPy has no bf16 or fp8, so by convention **bf16 is
//! written as `<V2`** (two raw bytes per element, the little-endian bf16 bit pattern; in Python,
//! `np.load(f).view(ml_dtypes.bfloat16)` or `.view("<u2")`), and **e4m3/e5m2 as `|V1`**.
//! Reading copies the raw little-endian data whatever the element type, so any array NumPy
//! writes in C order and little-endian (or one-byte) elements loads.

use isa::DType;
use thiserror::Error;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Why bytes are not a usable `.npy` file.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NpyError {
    /// Not an `.npy` file, or a malformed header.
    #[error("not a valid .npy file: {0}")]
    Malformed(String),
    /// An array this emulator cannot take as raw bytes.
    #[error("unsupported .npy array: {0}")]
    Unsupported(String),
}

/// An `.npy` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The `descr` field (`<f4`).
    pub descr: String,
    /// The array's shape.
    pub shape: Vec<u64>,
    /// Where the data starts in the file.
    pub data_offset: usize,
    /// Bytes of data (elements × element size).
    pub data_len: usize,
}

/// The `descr` an array of `dtype` elements is written with.
pub const fn descr_of(dtype: DType) -> &'static str {
    match dtype {
        DType::I8 => "|i1",
        DType::U8 => "|u1",
        DType::I32 => "<i4",
        DType::Fp16 => "<f2",
        DType::Fp32 => "<f4",
        DType::Bf16 => "<V2",
        DType::E4M3 | DType::E5M2 => "|V1",
    }
}

fn element_size(descr: &str) -> Result<usize, NpyError> {
    let bad = || NpyError::Unsupported(format!("element type `{descr}`"));
    // By characters, not bytes: the header is any text.
    let mut chars = descr.chars();
    let order = chars.next().ok_or_else(bad)?;
    let kind = chars.next().ok_or_else(bad)?;
    let size: usize = chars.as_str().parse().map_err(|_| bad())?;
    if !"biufcV".contains(kind) || size == 0 {
        return Err(bad());
    }
    match order {
        '<' | '|' => Ok(size),
        '=' if cfg!(target_endian = "little") => Ok(size),
        '>' if size == 1 => Ok(size),
        _ => Err(NpyError::Unsupported(format!(
            "big-endian elements (`{descr}`); save the array little-endian"
        ))),
    }
}

/// The value of `key` in the header dictionary text: the raw text up to the next top-level `,`
/// or `}`.
fn field<'a>(dict: &'a str, key: &str) -> Result<&'a str, NpyError> {
    let pat = format!("'{key}':");
    let start = dict
        .find(&pat)
        .ok_or_else(|| NpyError::Malformed(format!("the header has no `{key}`")))?
        + pat.len();
    let rest = dict[start..].trim_start();
    let mut depth = 0i32;
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' | '}' if depth == 0 => return Ok(rest[..i].trim()),
            _ => {}
        }
    }
    Ok(rest.trim())
}

/// Parses the header of the `.npy` file `bytes`.
pub fn parse(bytes: &[u8]) -> Result<Header, NpyError> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(NpyError::Malformed("no .npy magic string".to_string()));
    }
    let (len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(NpyError::Unsupported(format!("format version {v}"))),
    };
    let dict = bytes
        .get(start..start + len)
        .ok_or_else(|| NpyError::Malformed("the header is truncated".to_string()))?;
    let dict = std::str::from_utf8(dict)
        .map_err(|_| NpyError::Malformed("the header is not text".to_string()))?;
    let descr = field(dict, "descr")?.trim_matches(|c| c == '\'' || c == '"');
    let size = element_size(descr)?;
    if field(dict, "fortran_order")? != "False" {
        return Err(NpyError::Unsupported(
            "Fortran order; save a C-ordered array".to_string(),
        ));
    }
    let shape_text = field(dict, "shape")?;
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| NpyError::Malformed(format!("shape `{shape_text}`")))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .map_err(|_| NpyError::Malformed(format!("shape `{shape_text}`")))
        })
        .collect::<Result<Vec<u64>, NpyError>>()?;
    let elements = shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d))
        .ok_or_else(|| NpyError::Malformed(format!("shape `{shape_text}` overflows")))?;
    let data_len = usize::try_from(elements)
        .ok()
        .and_then(|e| e.checked_mul(size))
        .ok_or_else(|| NpyError::Malformed(format!("shape `{shape_text}` overflows")))?;
    let data_offset = start + len;
    if data_offset
        .checked_add(data_len)
        .is_none_or(|end| bytes.len() < end)
    {
        return Err(NpyError::Malformed(format!(
            "the header promises {data_len} bytes of data, the file has {}",
            bytes.len().saturating_sub(data_offset)
        )));
    }
    Ok(Header {
        descr: descr.to_string(),
        shape,
        data_offset,
        data_len,
    })
}

/// The raw data of the `.npy` file `bytes`.
pub fn data(bytes: &[u8]) -> Result<&[u8], NpyError> {
    let h = parse(bytes)?;
    Ok(&bytes[h.data_offset..h.data_offset + h.data_len])
}

/// Bytes of the data of an array of `dtype` elements of `shape`.
pub fn data_bytes(dtype: DType, shape: &[u64]) -> Result<u64, NpyError> {
    shape
        .iter()
        .try_fold(dtype.size(), |a, &d| a.checked_mul(d))
        .ok_or_else(|| {
            NpyError::Malformed(format!(
                "shape {shape:?} of {dtype} has more bytes than 2^64"
            ))
        })
}

/// The header of an `.npy` file (format 1.0) of `dtype` elements of `shape`: the data
/// ([`data_bytes`] of them) follows it, so a large array can be written piece by piece.
pub fn header(dtype: DType, shape: &[u64]) -> Result<Vec<u8>, NpyError> {
    data_bytes(dtype, shape)?;
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}",
        descr_of(dtype)
    );
    // Pad with spaces so that the data starts on a multiple of 64 bytes, newline last.
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let len = u16::try_from(dict.len())
        .map_err(|_| NpyError::Unsupported("a header longer than 64 KiB".to_string()))?;
    let mut out = Vec::with_capacity(10 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    Ok(out)
}

/// An `.npy` file (format 1.0) holding `data` as an array of `dtype` elements of `shape`.
pub fn write(dtype: DType, shape: &[u64], data: &[u8]) -> Result<Vec<u8>, NpyError> {
    let bytes = data_bytes(dtype, shape)?;
    if bytes != data.len() as u64 {
        return Err(NpyError::Malformed(format!(
            "shape {shape:?} of {dtype} needs {bytes} bytes, got {}",
            data.len()
        )));
    }
    let mut out = header(dtype, shape)?;
    out.extend_from_slice(data);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_parse_back_to_their_data() {
        let data: Vec<u8> = (0..24).collect();
        let file = write(DType::Bf16, &[3, 4], &data).unwrap();
        assert_eq!(
            (10 + u16::from_le_bytes([file[8], file[9]]) as usize) % 64,
            0
        );
        let h = parse(&file).unwrap();
        assert_eq!(h.descr, "<V2");
        assert_eq!(h.shape, [3, 4]);
        assert_eq!(super::data(&file).unwrap(), &data[..]);
        let one = write(DType::Fp32, &[6], &data).unwrap();
        assert_eq!(parse(&one).unwrap().shape, [6]);
    }

    #[test]
    fn numpy_headers_parse() {
        let mut f = b"\x93NUMPY\x01\x00".to_vec();
        let dict = b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n";
        f.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        f.extend_from_slice(dict);
        f.extend_from_slice(&[0u8; 24]);
        let h = parse(&f).unwrap();
        assert_eq!((h.shape, h.data_len), (vec![2, 3], 24));
        f.truncate(f.len() - 1);
        assert!(parse(&f).is_err(), "truncated data");
    }

    #[test]
    fn big_endian_fortran_and_unknown_element_types_are_refused_even_in_any_text() {
        for dict in [
            "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
            "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
            "{'descr': 'O', 'fortran_order': False, 'shape': (1,), }",
            "{'descr': 'é4', 'fortran_order': False, 'shape': (1,), }",
            "{'descr': '<é4', 'fortran_order': False, 'shape': (1,), }",
            "{'descr': '<fé', 'fortran_order': False, 'shape': (1,), }",
            "{'descr': '', 'fortran_order': False, 'shape': (1,), }",
        ] {
            let mut f = b"\x93NUMPY\x01\x00".to_vec();
            f.extend_from_slice(&(dict.len() as u16).to_le_bytes());
            f.extend_from_slice(dict.as_bytes());
            f.extend_from_slice(&[0u8; 8]);
            assert!(matches!(parse(&f), Err(NpyError::Unsupported(_))), "{dict}");
        }
        assert!(parse(b"not numpy").is_err());
    }

    #[test]
    fn a_shape_whose_bytes_pass_the_address_space_is_malformed_not_a_panic() {
        let dict = format!(
            "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, ), }}",
            u64::MAX / 8
        );
        let mut f = b"\x93NUMPY\x01\x00".to_vec();
        f.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        f.extend_from_slice(dict.as_bytes());
        assert!(matches!(parse(&f), Err(NpyError::Malformed(_))));
    }
}
