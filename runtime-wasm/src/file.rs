//! Reading a model file: the ONNX protobuf, its manifest, and the
//! [`Interface`] that says how rows reach its inputs. No engine involved.

use manifest::Manifest;
use prost::Message;
use tract_onnx::pb;

use crate::Error;
use crate::interface::{Dtype, Inputs, Interface, NamedInput, OutputSpec, OutputSpecKind};

/// A parsed model file, ready to hand to any engine.
#[derive(Debug, Clone)]
pub struct ModelFile {
    pub proto: pb::ModelProto,
    pub interface: Interface,
}

/// The shape of a graph input or output as declared in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueInfo {
    pub name: String,
    pub dtype: Option<Dtype>,
    /// Dimensions; `None` where symbolic or unknown. Empty for non-tensors.
    pub dims: Vec<Option<usize>>,
    pub is_tensor: bool,
}

impl ModelFile {
    /// Decodes and checks a model. A model without a manifest gets an
    /// interface read from its graph.
    pub fn parse(bytes: &[u8]) -> Result<ModelFile, Error> {
        if bytes.is_empty() {
            return Err(Error::NotOnnx("the file is empty".into()));
        }
        let proto = pb::ModelProto::decode(bytes).map_err(|e| {
            Error::NotOnnx(format!("it could not be decoded ({e}); the file may be truncated or of another kind"))
        })?;
        let Some(graph) = proto.graph.as_ref() else {
            return Err(Error::NotOnnx("it holds no graph".into()));
        };
        if graph.node.is_empty() && graph.output.is_empty() {
            return Err(Error::NotOnnx("its graph is empty".into()));
        }
        let manifest = match proto.metadata_props.iter().find(|p| p.key == manifest::METADATA_KEY) {
            Some(entry) => Some(Manifest::from_json(&entry.value).map_err(Error::Manifest)?),
            None => None,
        };
        let inputs = graph_inputs(graph);
        let outputs: Vec<ValueInfo> = graph.output.iter().map(value_info).collect();
        let interface = match manifest {
            Some(m) => manifest_interface(m, &inputs, &outputs)?,
            None => plain_interface(graph, &inputs, &outputs)?,
        };
        Ok(ModelFile { proto, interface })
    }

    pub fn manifest(&self) -> Option<&Manifest> {
        self.interface.manifest.as_ref()
    }

    pub fn graph(&self) -> &pb::GraphProto {
        self.proto.graph.as_ref().expect("checked in parse")
    }

    /// The graph inputs that are fed by callers (not initializers).
    pub fn inputs(&self) -> Vec<ValueInfo> {
        graph_inputs(self.graph())
    }

    pub fn outputs(&self) -> Vec<ValueInfo> {
        self.graph().output.iter().map(value_info).collect()
    }

    /// The model's bytes with every `ZipMap` replaced by `Identity` and its
    /// output declared as a float tensor: what engines without map support
    /// (and this runtime) compute, with the class names kept in the interface.
    pub fn onnx_without_zipmap(&self) -> Vec<u8> {
        let mut proto = self.proto.clone();
        if let Some(graph) = proto.graph.as_mut() {
            let mut renamed = Vec::new();
            for node in graph.node.iter_mut().filter(|n| n.op_type == "ZipMap") {
                node.op_type = "Identity".into();
                node.domain = String::new();
                node.attribute.clear();
                renamed.extend(node.output.iter().cloned());
            }
            for out in graph.output.iter_mut().filter(|o| renamed.contains(&o.name)) {
                out.r#type = Some(pb::TypeProto {
                    denotation: String::new(),
                    value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                        elem_type: 1,
                        shape: None,
                    })),
                });
            }
        }
        proto.encode_to_vec()
    }

    /// `domain:op` of every operator the graph uses, in first-use order.
    pub fn operators(&self) -> Vec<(String, String, String)> {
        let mut ops = Vec::new();
        for n in &self.graph().node {
            let d = if n.domain.is_empty() { "ai.onnx".to_string() } else { n.domain.clone() };
            ops.push((d, n.op_type.clone(), n.name.clone()));
        }
        ops
    }
}

fn graph_inputs(graph: &pb::GraphProto) -> Vec<ValueInfo> {
    graph.input.iter().filter(|i| !graph.initializer.iter().any(|init| init.name == i.name)).map(value_info).collect()
}

fn value_info(v: &pb::ValueInfoProto) -> ValueInfo {
    use pb::type_proto::Value;
    match v.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(Value::TensorType(t)) => ValueInfo {
            name: v.name.clone(),
            dtype: Dtype::from_onnx(t.elem_type),
            dims: t
                .shape
                .as_ref()
                .map(|s| {
                    s.dim
                        .iter()
                        .map(|d| match d.value {
                            Some(pb::tensor_shape_proto::dimension::Value::DimValue(x)) if x > 0 => Some(x as usize),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            is_tensor: true,
        },
        _ => ValueInfo { name: v.name.clone(), dtype: None, dims: vec![], is_tensor: false },
    }
}

fn manifest_interface(m: Manifest, inputs: &[ValueInfo], outputs: &[ValueInfo]) -> Result<Interface, Error> {
    let wanted = &m.preprocessing.onnx_input;
    let Some(input) = inputs.iter().find(|i| &i.name == wanted) else {
        return Err(Error::Model(format!("the manifest feeds input `{wanted}`, which the graph does not have")));
    };
    if let Some(other) = inputs.iter().find(|i| &i.name != wanted) {
        return Err(Error::Model(format!("the graph has an input `{}` that the manifest does not feed", other.name)));
    }
    if input.dtype != Some(Dtype::F32) || input.dims.len() != 2 {
        return Err(Error::Model(format!("input `{wanted}` must be a 2-D float tensor")));
    }
    let width = m.preprocessing.features.len();
    if let Some(Some(w)) = input.dims.get(1)
        && *w != width
    {
        return Err(Error::Model(format!(
            "input `{wanted}` has {w} columns, but the manifest's preprocessing makes {width}"
        )));
    }
    let mut specs = Vec::new();
    for o in &m.signature.outputs {
        if !outputs.iter().any(|g| g.name == o.onnx_output) {
            return Err(Error::Model(format!(
                "manifest output `{}` reads graph output `{}`, which the graph does not have",
                o.name, o.onnx_output
            )));
        }
        specs.push(OutputSpec {
            onnx_output: o.onnx_output.clone(),
            kind: OutputSpecKind::Field { name: o.name.clone(), kind: o.kind.clone(), column: o.column },
        });
    }
    Ok(Interface {
        inputs: Inputs::Manifest { onnx_input: wanted.clone(), encoder: m.encoder() },
        outputs: specs,
        manifest: Some(m),
    })
}

fn plain_interface(graph: &pb::GraphProto, inputs: &[ValueInfo], outputs: &[ValueInfo]) -> Result<Interface, Error> {
    if inputs.is_empty() {
        return Err(Error::Model("the graph has no inputs".into()));
    }
    let numeric = |d: Option<Dtype>| matches!(d, Some(Dtype::F32 | Dtype::F64 | Dtype::I64 | Dtype::I32));
    let inputs = match inputs {
        [only] if only.dims.len() == 2 && numeric(only.dtype) && only.dims[1] != Some(1) => Inputs::Positional {
            onnx_input: only.name.clone(),
            width: only.dims[1],
            dtype: only.dtype.unwrap_or(Dtype::F32),
        },
        many => {
            let mut named = Vec::new();
            for i in many {
                let Some(dtype) = i.dtype else {
                    return Err(Error::Model(format!("input `{}` is not a tensor of a supported type", i.name)));
                };
                let rank = match i.dims.as_slice() {
                    [_] => 1,
                    [_, Some(1)] => 2,
                    _ => {
                        return Err(Error::Model(format!(
                            "input `{}` has shape {:?}; with several inputs each must be [N] or [N, 1]",
                            i.name, i.dims
                        )));
                    }
                };
                named.push(NamedInput { name: i.name.clone(), dtype, rank });
            }
            Inputs::Named(named)
        }
    };
    let outputs = outputs
        .iter()
        .map(|o| {
            // A ZipMap's output is a sequence of maps; the runtime passes the
            // probabilities through and names the columns by class.
            let keys = if o.is_tensor { None } else { zipmap_keys(graph, &o.name) };
            let width = match o.dims.as_slice() {
                [_, w] => *w,
                _ => None,
            };
            OutputSpec { onnx_output: o.name.clone(), kind: OutputSpecKind::Plain { keys, width } }
        })
        .collect();
    Ok(Interface { manifest: None, inputs, outputs })
}

fn zipmap_keys(graph: &pb::GraphProto, output: &str) -> Option<Vec<String>> {
    let node = graph.node.iter().find(|n| n.op_type == "ZipMap" && n.output.iter().any(|o| o == output))?;
    for a in &node.attribute {
        if a.name == "classlabels_strings" {
            return Some(a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect());
        }
        if a.name == "classlabels_int64s" {
            return Some(a.ints.iter().map(|i| i.to_string()).collect());
        }
    }
    None
}
