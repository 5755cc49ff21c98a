//! Reading a node's attributes, with errors that name the node and attribute.

use tract_onnx::pb::{AttributeProto, NodeProto, TensorProto};
use tract_onnx::prelude::*;

/// The attributes of one node.
pub(crate) struct Attrs<'a> {
    node: &'a NodeProto,
}

impl<'a> Attrs<'a> {
    pub fn new(node: &'a NodeProto) -> Self {
        Attrs { node }
    }

    fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn error(&self, msg: impl std::fmt::Display) -> TractError {
        TractError::msg(format!("{} node `{}`: {msg}", self.node.op_type, self.node.name))
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).map(|a| a.i)
    }

    pub fn float(&self, name: &str) -> Option<f32> {
        self.get(name).map(|a| a.f)
    }

    pub fn string(&self, name: &str) -> TractResult<Option<String>> {
        self.get(name)
            .map(|a| String::from_utf8(a.s.clone()).map_err(|_| self.error(format!("attribute `{name}` is not UTF-8"))))
            .transpose()
    }

    pub fn ints(&self, name: &str) -> Option<&'a [i64]> {
        self.get(name).map(|a| a.ints.as_slice())
    }

    pub fn floats(&self, name: &str) -> Option<&'a [f32]> {
        self.get(name).map(|a| a.floats.as_slice())
    }

    pub fn strings(&self, name: &str) -> TractResult<Option<Vec<String>>> {
        self.get(name)
            .map(|a| {
                a.strings
                    .iter()
                    .map(|s| {
                        String::from_utf8(s.clone()).map_err(|_| self.error(format!("attribute `{name}` is not UTF-8")))
                    })
                    .collect()
            })
            .transpose()
    }

    /// A tensor attribute (`*_as_tensor`) as f64 values.
    pub fn tensor_f64(&self, name: &str) -> TractResult<Option<Vec<f64>>> {
        let Some(t) = self.get(name).and_then(|a| a.t.as_ref()) else { return Ok(None) };
        tensor_values(t).map(Some).map_err(|e| self.error(format!("attribute `{name}`: {e}")))
    }

    /// Floats from `name` or doubles from `name_as_tensor`, whichever is set.
    /// The flag says whether the values are doubles.
    pub fn reals(&self, name: &str) -> TractResult<Option<(Vec<f64>, bool)>> {
        if let Some(v) = self.tensor_f64(&format!("{name}_as_tensor"))? {
            return Ok(Some((v, true)));
        }
        Ok(self.floats(name).map(|f| (f.iter().map(|&x| x as f64).collect(), false)))
    }

    /// Non-negative integers, as indices.
    pub fn indices(&self, name: &str) -> TractResult<Option<Vec<usize>>> {
        self.ints(name)
            .map(|v| {
                v.iter()
                    .map(|&i| {
                        usize::try_from(i)
                            .map_err(|_| self.error(format!("attribute `{name}` holds a negative value {i}")))
                    })
                    .collect()
            })
            .transpose()
    }

    pub fn required<T>(&self, name: &str, v: Option<T>) -> TractResult<T> {
        v.ok_or_else(|| self.error(format!("attribute `{name}` is missing")))
    }
}

fn tensor_values(t: &TensorProto) -> Result<Vec<f64>, String> {
    let raw = &t.raw_data;
    match t.data_type {
        1 if !raw.is_empty() => {
            Ok(raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect())
        }
        1 => Ok(t.float_data.iter().map(|&x| x as f64).collect()),
        11 if !raw.is_empty() => Ok(raw
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()),
        11 => Ok(t.double_data.clone()),
        // Integer tensors (opset-5 node modes are uint8): widened to f64.
        2 | 3 if !raw.is_empty() => {
            Ok(raw.iter().map(|&b| if t.data_type == 3 { b as i8 as f64 } else { b as f64 }).collect())
        }
        6 if !raw.is_empty() => {
            Ok(raw.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect())
        }
        2..=6 => Ok(t.int32_data.iter().map(|&x| x as f64).collect()),
        7 if !raw.is_empty() => Ok(raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f64)
            .collect()),
        7 => Ok(t.int64_data.iter().map(|&x| x as f64).collect()),
        other => Err(format!("tensor of element type {other}, expected a number type")),
    }
}
