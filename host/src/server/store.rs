//! Where the server keeps everything: one `object_store`, a local folder by
//! default, S3, Azure Blob or GCS by URL. The server holds no other state,
//! so replicas can share one bucket.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, ObjectStoreScheme, PutMode, PutOptions, PutPayload, UpdateVersion};

/// The server's store, with the few operations the registry, auth and jobs need.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// Shown in logs and errors: the folder or URL.
    pub location: String,
    /// Whether the store can replace an object only if it is unchanged
    /// (Azure, S3, GCS can; a local folder cannot and overwrites atomically).
    conditional_update: bool,
}

/// The outcome of a conditional create.
pub enum Created {
    Yes,
    AlreadyExists,
}

impl Store {
    /// Opens a local folder (created if missing) or an `s3://`, `az://`,
    /// `abfs://` or `gs://` URL configured from the environment (the
    /// `AWS_*`, `AZURE_*` and `GOOGLE_*` variables `object_store` reads).
    pub fn open(spec: &str) -> Result<Store> {
        if !spec.contains("://") || spec.starts_with("file://") {
            let dir = spec.strip_prefix("file://").unwrap_or(spec);
            std::fs::create_dir_all(dir).with_context(|| format!("creating the store folder {dir}"))?;
            let fs =
                LocalFileSystem::new_with_prefix(dir).with_context(|| format!("opening the store folder {dir}"))?;
            return Ok(Store { inner: Arc::new(fs), location: dir.to_string(), conditional_update: false });
        }
        let url = url::Url::parse(spec).with_context(|| format!("reading the store URL {spec}"))?;
        let (scheme, prefix) = ObjectStoreScheme::parse(&url).map_err(|e| anyhow!("store URL {spec}: {e}"))?;
        let inner: Arc<dyn ObjectStore> = match scheme {
            ObjectStoreScheme::AmazonS3 => {
                Arc::new(object_store::aws::AmazonS3Builder::from_env().with_url(spec).build()?)
            }
            ObjectStoreScheme::MicrosoftAzure => {
                Arc::new(object_store::azure::MicrosoftAzureBuilder::from_env().with_url(spec).build()?)
            }
            ObjectStoreScheme::GoogleCloudStorage => {
                Arc::new(object_store::gcp::GoogleCloudStorageBuilder::from_env().with_url(spec).build()?)
            }
            other => {
                return Err(anyhow!(
                    "store URL {spec}: {other:?} stores are not supported; use a folder, s3://, az:// or gs://"
                ));
            }
        };
        Ok(Store::wrap(inner, prefix, spec.to_string(), true))
    }

    /// Wraps an already-built store (tests use this for Azurite).
    pub fn wrap(inner: Arc<dyn ObjectStore>, prefix: Path, location: String, conditional_update: bool) -> Store {
        let inner: Arc<dyn ObjectStore> =
            if prefix.as_ref().is_empty() { inner } else { Arc::new(PrefixStore::new(inner, prefix)) };
        Store { inner, location, conditional_update }
    }

    pub fn object_store(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }

    /// The object's bytes, or `None` if there is none.
    pub async fn get(&self, path: &Path) -> Result<Option<(Bytes, Option<String>)>> {
        match self.inner.get(path).await {
            Ok(r) => {
                let etag = r.meta.e_tag.clone();
                Ok(Some((r.bytes().await.with_context(|| format!("reading {path} from the store"))?, etag)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow!("reading {path} from the store: {e}")),
        }
    }

    /// Writes an object whole; readers see the old or the new bytes, never a mix.
    pub async fn put(&self, path: &Path, bytes: impl Into<Bytes>) -> Result<()> {
        self.inner
            .put(path, PutPayload::from_bytes(bytes.into()))
            .await
            .with_context(|| format!("writing {path} to the store"))?;
        Ok(())
    }

    /// Writes an object only if none exists at `path` (atomic on every store).
    pub async fn create(&self, path: &Path, bytes: impl Into<Bytes>) -> Result<Created> {
        let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.inner.put_opts(path, PutPayload::from_bytes(bytes.into()), opts).await {
            Ok(_) => Ok(Created::Yes),
            Err(object_store::Error::AlreadyExists { .. }) | Err(object_store::Error::Precondition { .. }) => {
                Ok(Created::AlreadyExists)
            }
            Err(e) => Err(anyhow!("writing {path} to the store: {e}")),
        }
    }

    /// Replaces an object if it still has `etag` (or still does not exist,
    /// for `None`); returns false when someone else changed it first. On a
    /// local folder, which cannot compare, the write is an atomic overwrite.
    pub async fn replace(&self, path: &Path, etag: Option<String>, bytes: impl Into<Bytes>) -> Result<bool> {
        let bytes = bytes.into();
        if !self.conditional_update {
            self.put(path, bytes).await?;
            return Ok(true);
        }
        let mode = match etag {
            Some(e_tag) => PutMode::Update(UpdateVersion { e_tag: Some(e_tag), version: None }),
            None => PutMode::Create,
        };
        match self.inner.put_opts(path, PutPayload::from_bytes(bytes), PutOptions { mode, ..Default::default() }).await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) | Err(object_store::Error::Precondition { .. }) => Ok(false),
            Err(e) => Err(anyhow!("writing {path} to the store: {e}")),
        }
    }

    /// Deletes an object; deleting what is not there is not an error.
    pub async fn delete(&self, path: &Path) -> Result<()> {
        match self.inner.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow!("deleting {path} from the store: {e}")),
        }
    }

    /// The names directly under `prefix` (objects and "folders").
    pub async fn children(&self, prefix: &Path) -> Result<(Vec<String>, Vec<String>)> {
        let list = self.inner.list_with_delimiter(Some(prefix)).await.with_context(|| format!("listing {prefix}"))?;
        let name = |p: &Path| p.filename().unwrap_or_default().to_string();
        Ok((list.objects.iter().map(|o| name(&o.location)).collect(), list.common_prefixes.iter().map(name).collect()))
    }

    /// Uploads a local file in parts (memory stays at one part); the object
    /// appears whole when the upload completes, or not at all.
    pub async fn put_file(&self, path: &Path, file: &std::path::Path) -> Result<()> {
        use tokio::io::AsyncReadExt;
        const PART: usize = 8 << 20;
        let mut f = tokio::fs::File::open(file).await.with_context(|| format!("opening {}", file.display()))?;
        let mut upload = object_store::WriteMultipart::new_with_chunk_size(
            self.inner.put_multipart(path).await.with_context(|| format!("writing {path} to the store"))?,
            PART,
        );
        let mut buf = vec![0u8; PART];
        loop {
            let n = f.read(&mut buf).await.with_context(|| format!("reading {}", file.display()))?;
            if n == 0 {
                break;
            }
            upload.wait_for_capacity(2).await.with_context(|| format!("writing {path} to the store"))?;
            upload.write(&buf[..n]);
        }
        upload.finish().await.with_context(|| format!("writing {path} to the store"))?;
        Ok(())
    }

    /// Downloads an object to a local file, streaming. False if there is none.
    pub async fn get_file(&self, path: &Path, file: &std::path::Path) -> Result<bool> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        let r = match self.inner.get(path).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(anyhow!("reading {path} from the store: {e}")),
        };
        let mut out = tokio::fs::File::create(file).await.with_context(|| format!("creating {}", file.display()))?;
        let mut stream = r.into_stream();
        while let Some(chunk) = stream.next().await {
            out.write_all(&chunk.with_context(|| format!("reading {path} from the store"))?).await?;
        }
        out.flush().await?;
        Ok(true)
    }

    /// An object as a stream of byte chunks, with its size; `None` if there is none.
    pub async fn get_stream(
        &self,
        path: &Path,
    ) -> Result<Option<(u64, futures::stream::BoxStream<'static, object_store::Result<Bytes>>)>> {
        match self.inner.get(path).await {
            Ok(r) => Ok(Some((r.meta.size, r.into_stream()))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow!("reading {path} from the store: {e}")),
        }
    }
}
