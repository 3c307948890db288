//! Integration tests: the real actix app over HTTP, on SQLite or PostgreSQL (`TEST_DATABASE_URL`).
mod auth;
mod bench_queries;
mod demo;
mod faults;
mod fixtures;
mod harness;
mod hostile;
mod limits;
mod permissions;
mod plain;
mod projection;
mod read_api;
mod rollups;
mod rows;
mod shutdown;
mod transport;
mod writes;
