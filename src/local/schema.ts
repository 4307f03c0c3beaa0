/**
 * Numbered schema migrations of the embedded store. A migration is never edited once shipped:
 * add a new entry instead. `PRAGMA user_version` records how many have been applied.
 *
 * Conventions: ids are TEXT; timestamps are ISO-8601 UTC strings with millisecond precision
 * (they sort lexicographically), except the SCD2 columns of dataset items, which are integer
 * milliseconds because versions are compared and bumped by 1 ms. JSON values are TEXT holding
 * JSON (`NULL` = absent).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `
  CREATE TABLE traces (
    id TEXT PRIMARY KEY,
    timestamp TEXT NOT NULL,
    name TEXT,
    name_explicit INTEGER NOT NULL DEFAULT 0,
    user_id TEXT,
    session_id TEXT,
    release TEXT,
    version TEXT,
    environment TEXT NOT NULL DEFAULT 'default',
    public INTEGER NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '[]',
    input TEXT,
    input_explicit INTEGER NOT NULL DEFAULT 0,
    output TEXT,
    output_explicit INTEGER NOT NULL DEFAULT 0,
    metadata TEXT NOT NULL DEFAULT '{}',
    has_root INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX traces_timestamp ON traces(timestamp);
  CREATE INDEX traces_session ON traces(session_id) WHERE session_id IS NOT NULL;
  CREATE INDEX traces_user ON traces(user_id) WHERE user_id IS NOT NULL;

  CREATE TABLE observations (
    id TEXT PRIMARY KEY,
    trace_id TEXT NOT NULL,
    parent_observation_id TEXT,
    type TEXT NOT NULL,
    name TEXT,
    environment TEXT NOT NULL DEFAULT 'default',
    start_time TEXT NOT NULL,
    end_time TEXT,
    completion_start_time TEXT,
    version TEXT,
    input TEXT,
    output TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    level TEXT NOT NULL DEFAULT 'DEFAULT',
    status_message TEXT,
    model TEXT,
    model_parameters TEXT,
    usage_details TEXT NOT NULL DEFAULT '{}',
    cost_details TEXT NOT NULL DEFAULT '{}',
    total_cost REAL,
    prompt_id TEXT,
    prompt_name TEXT,
    prompt_version INTEGER,
    experiment TEXT,
    resource_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  -- The OTel resource and scope of observations, stored once and merged into their metadata
  -- on read (keeps observation rows small: ingestion speed is mostly bytes written).
  CREATE TABLE otel_resources (
    id INTEGER PRIMARY KEY,
    json TEXT NOT NULL UNIQUE
  );
  -- Only the per-trace index: every extra B-tree costs span ingestion throughput, and lists
  -- across all traces (rare locally) can afford a scan with a bounded top-N sort.
  CREATE INDEX observations_trace ON observations(trace_id, start_time);

  CREATE TABLE scores (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    value REAL,
    string_value TEXT,
    data_type TEXT NOT NULL,
    source TEXT NOT NULL,
    trace_id TEXT,
    observation_id TEXT,
    session_id TEXT,
    dataset_run_id TEXT,
    comment TEXT,
    metadata TEXT,
    config_id TEXT,
    queue_id TEXT,
    environment TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX scores_trace ON scores(trace_id) WHERE trace_id IS NOT NULL;
  CREATE INDEX scores_timestamp ON scores(timestamp);

  CREATE TABLE prompts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    prompt TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    labels TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    commit_message TEXT,
    created_by TEXT NOT NULL DEFAULT 'API',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE(name, version)
  );

  CREATE TABLE datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    metadata TEXT,
    input_schema TEXT,
    expected_output_schema TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  -- SCD type 2: one row per version of an item; the current row has valid_to NULL.
  CREATE TABLE dataset_items (
    id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    is_deleted INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'ACTIVE',
    input TEXT,
    expected_output TEXT,
    metadata TEXT,
    source_trace_id TEXT,
    source_observation_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (id, valid_from)
  );
  CREATE INDEX dataset_items_current ON dataset_items(dataset_id, valid_to, valid_from);

  CREATE TABLE dataset_runs (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    metadata TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE(dataset_id, name)
  );

  CREATE TABLE dataset_run_items (
    id TEXT PRIMARY KEY,
    dataset_run_id TEXT NOT NULL,
    dataset_item_id TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    observation_id TEXT,
    dataset_version TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX dataset_run_items_run ON dataset_run_items(dataset_run_id, created_at);

  CREATE TABLE media (
    id TEXT PRIMARY KEY,
    sha256_hash TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_length INTEGER NOT NULL,
    trace_id TEXT,
    observation_id TEXT,
    dataset_id TEXT,
    dataset_item_id TEXT,
    field TEXT NOT NULL,
    uploaded_at TEXT,
    upload_http_status INTEGER,
    upload_http_error TEXT,
    upload_time_ms REAL,
    bytes BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,
  // 2: Langfuse API 4.x objects: custom model prices, score configs, comments, annotation queues
  `
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    model_name TEXT NOT NULL,
    match_pattern TEXT NOT NULL,
    start_date TEXT,
    unit TEXT,
    tokenizer_id TEXT,
    tokenizer_config TEXT,
    -- JSON array of pricing tiers: [{id, name, isDefault, priority, conditions, prices}]
    pricing_tiers TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE score_configs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    data_type TEXT NOT NULL,
    is_archived INTEGER NOT NULL DEFAULT 0,
    min_value REAL,
    max_value REAL,
    -- JSON array of {label, value} (CATEGORICAL and BOOLEAN)
    categories TEXT,
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    content TEXT NOT NULL,
    author_user_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX comments_object ON comments(object_type, object_id);

  CREATE TABLE annotation_queues (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    score_config_ids TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE annotation_queue_items (
    id TEXT PRIMARY KEY,
    queue_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'PENDING',
    completed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX annotation_queue_items_queue ON annotation_queue_items(queue_id, created_at);

  CREATE TABLE annotation_queue_assignments (
    queue_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (queue_id, user_id)
  );
  `,
];
