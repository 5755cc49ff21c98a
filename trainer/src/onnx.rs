//! Writing ONNX: attribute and graph builders over `runtime_wasm::pb`
//! (tract's prost types of onnx.proto). Models written here are standard:
//! opsets `""` 17 and `ai.onnx.ml` 3, one float input `[N, F]`.

use runtime_wasm::pb;
use runtime_wasm::pb::attribute_proto::AttributeType;

pub fn floats(name: &str, v: impl IntoIterator<Item = f32>) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Floats as i32,
        floats: v.into_iter().collect(),
        ..Default::default()
    }
}

pub fn ints(name: &str, v: impl IntoIterator<Item = i64>) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints: v.into_iter().collect(),
        ..Default::default()
    }
}

pub fn int(name: &str, v: i64) -> pb::AttributeProto {
    pb::AttributeProto { name: name.into(), r#type: AttributeType::Int as i32, i: v, ..Default::default() }
}

pub fn string(name: &str, v: &str) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::String as i32,
        s: v.as_bytes().to_vec(),
        ..Default::default()
    }
}

pub fn strings<'a>(name: &str, v: impl IntoIterator<Item = &'a str>) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Strings as i32,
        strings: v.into_iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..Default::default()
    }
}

/// An `ai.onnx.ml` node.
pub fn ml_node(op: &str, inputs: &[&str], outputs: &[&str], attribute: Vec<pb::AttributeProto>) -> pb::NodeProto {
    pb::NodeProto {
        name: op.to_string(),
        op_type: op.to_string(),
        domain: "ai.onnx.ml".into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute,
        ..Default::default()
    }
}

/// A node of the default (`ai.onnx`) domain, named after its op and first
/// output (unique in a graph).
pub fn node(op: &str, inputs: &[&str], outputs: &[&str], attribute: Vec<pb::AttributeProto>) -> pb::NodeProto {
    let name = format!("{op}_{}", outputs.first().copied().unwrap_or_default());
    pb::NodeProto { name, domain: String::new(), ..ml_node(op, inputs, outputs, attribute) }
}

/// A float tensor of shape `dims` (row-major `values`), for initializers.
pub fn float_tensor(name: &str, dims: &[usize], values: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.iter().map(|&d| d as i64).collect(),
        data_type: Elem::Float as i32,
        float_data: values.to_vec(),
        ..Default::default()
    }
}

/// Element types of outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Elem {
    Float = 1,
    Int64 = 7,
    String = 8,
}

fn dim_param(name: &str) -> pb::tensor_shape_proto::Dimension {
    pb::tensor_shape_proto::Dimension {
        value: Some(pb::tensor_shape_proto::dimension::Value::DimParam(name.into())),
        ..Default::default()
    }
}

fn dim_value(v: usize) -> pb::tensor_shape_proto::Dimension {
    pb::tensor_shape_proto::Dimension {
        value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(v as i64)),
        ..Default::default()
    }
}

fn value_info(name: &str, elem: Elem, width: Option<usize>) -> pb::ValueInfoProto {
    let mut dims = vec![dim_param("N")];
    if let Some(w) = width {
        dims.push(dim_value(w));
    }
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: elem as i32,
                shape: Some(pb::TensorShapeProto { dim: dims }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A model of `nodes` (with constant `initializers`, e.g. weights) reading
/// the float matrix `input` (`[N, features]`) and producing `outputs`:
/// (name, element type, columns or `None` for `[N]`).
pub fn model(
    name: &str,
    nodes: Vec<pb::NodeProto>,
    initializers: Vec<pb::TensorProto>,
    input: &str,
    features: usize,
    outputs: &[(&str, Elem, Option<usize>)],
) -> pb::ModelProto {
    let graph = pb::GraphProto {
        name: name.into(),
        node: nodes,
        initializer: initializers,
        input: vec![value_info(input, Elem::Float, Some(features))],
        output: outputs.iter().map(|(n, e, w)| value_info(n, *e, *w)).collect(),
        ..Default::default()
    };
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![
            pb::OperatorSetIdProto { domain: String::new(), version: 17 },
            pb::OperatorSetIdProto { domain: "ai.onnx.ml".into(), version: 3 },
        ],
        producer_name: "citizen".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        graph: Some(graph),
        ..Default::default()
    }
}

/// Stores the manifest in the model's `metadata_props`.
pub fn attach_manifest(model: &mut pb::ModelProto, manifest: &manifest::Manifest) {
    model.metadata_props.retain(|p| p.key != manifest::METADATA_KEY);
    model
        .metadata_props
        .push(pb::StringStringEntryProto { key: manifest::METADATA_KEY.into(), value: manifest.to_json() });
}

/// The model file `bytes` under another name (and description), its
/// graph untouched: what publishing a trained model under the name a maker
/// chose writes.
pub fn renamed(bytes: &[u8], name: &str, description: Option<&str>) -> Result<Vec<u8>, String> {
    use prost::Message;
    let mut proto = pb::ModelProto::decode(bytes).map_err(|e| format!("not an ONNX model: {e}"))?;
    let json = proto
        .metadata_props
        .iter()
        .find(|p| p.key == manifest::METADATA_KEY)
        .ok_or("the model has no citizen manifest")?;
    let mut m = manifest::Manifest::from_json(&json.value).map_err(|e| e.to_string())?;
    m.name = name.to_string();
    if let Some(d) = description {
        m.description = d.to_string();
    }
    proto.graph.get_or_insert_with(Default::default).name = name.to_string();
    attach_manifest(&mut proto, &m);
    Ok(proto.encode_to_vec())
}
