/**
 * What a Langfuse server accepts as media (POST /api/public/media): the content-type allow-list
 * and the size limit. Part of the contract: the embedded store enforces them and the SDK checks
 * them before uploading.
 */
export const MEDIA_CONTENT_TYPES: ReadonlySet<string> = new Set(
  (
    "image/png image/jpeg image/jpg image/webp image/gif image/svg+xml image/tiff image/bmp image/avif image/heic " +
    "audio/mpeg audio/mp3 audio/wav audio/ogg audio/oga audio/aac audio/mp4 audio/flac audio/opus audio/webm " +
    "video/mp4 video/webm video/ogg video/mpeg video/quicktime video/x-msvideo video/x-matroska " +
    "text/plain text/html text/css text/csv text/markdown text/x-python application/javascript text/x-typescript " +
    "application/x-yaml application/pdf application/msword application/vnd.ms-excel " +
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet application/zip application/json application/xml " +
    "application/octet-stream application/vnd.openxmlformats-officedocument.wordprocessingml.document " +
    "application/vnd.openxmlformats-officedocument.presentationml.presentation application/rtf application/x-ndjson " +
    "application/vnd.apache.parquet application/gzip application/x-tar application/x-7z-compressed"
  ).split(" "),
);
/** Largest accepted upload (the server's LANGFUSE_S3_MEDIA_MAX_CONTENT_LENGTH default is 1 GB). */
export const MEDIA_MAX_CONTENT_LENGTH = 1_000_000_000;
