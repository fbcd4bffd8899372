"""Topics, post_topics tags, per-topic hourly rollups (kept exact on delete by a trigger) and spike alerts.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# A tag that goes away (post deleted -> cascade, or a topic re-tagged) takes its count out of the rollup.
SQLITE_TRIGGERS = [
    "CREATE TRIGGER post_topics_rollup_ad AFTER DELETE ON post_topics BEGIN "
    "UPDATE rollup_topic_hourly SET count = count - 1 WHERE topic_id = old.topic_id AND bucket = old.bucket "
    "AND channel = old.channel AND sentiment_label = old.sentiment_label; END",
]
POSTGRES_TRIGGERS = [
    "CREATE FUNCTION post_topics_rollup_ad() RETURNS trigger AS $$ BEGIN "
    "UPDATE rollup_topic_hourly SET count = count - 1 WHERE topic_id = OLD.topic_id AND bucket = OLD.bucket "
    "AND channel = OLD.channel AND sentiment_label = OLD.sentiment_label; RETURN OLD; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER post_topics_rollup_ad AFTER DELETE ON post_topics FOR EACH ROW "
    "EXECUTE FUNCTION post_topics_rollup_ad()",
]


def upgrade() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("color", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_topics"),
        sa.UniqueConstraint("name", name="uq_topics_name"),
    )
    op.create_table(
        "post_topics",
        sa.Column("post_id", sa.Integer, nullable=False),
        sa.Column("topic_id", sa.Integer, nullable=False),
        sa.Column("bucket", sa.DateTime, nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("sentiment_label", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("post_id", "topic_id", name="pk_post_topics"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name="fk_post_topics_post_id_posts", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], name="fk_post_topics_topic_id_topics", ondelete="CASCADE"),
    )
    op.create_index("ix_post_topics_topic_bucket", "post_topics", ["topic_id", "bucket"])
    op.create_table(
        "rollup_topic_hourly",
        sa.Column("topic_id", sa.Integer, nullable=False),
        sa.Column("bucket", sa.DateTime, nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("sentiment_label", sa.String(10), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("topic_id", "bucket", "channel", "sentiment_label", name="pk_rollup_topic_hourly"),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name="fk_rollup_topic_hourly_topic_id_topics", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("topic_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("window_start", sa.DateTime, nullable=False),
        sa.Column("window_end", sa.DateTime, nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("baseline", sa.Float, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("top_terms", sa.JSON, nullable=False),
        sa.Column("example_post_ids", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("acknowledged_at", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("topic_id", "kind", "window_start", name="uq_alerts_topic_id_kind_window_start"),
        sa.ForeignKeyConstraint(["topic_id"], ["topics.id"], name="fk_alerts_topic_id_topics", ondelete="CASCADE"),
    )
    op.create_index("ix_alerts_created", "alerts", ["created_at"])
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS post_topics_rollup_ad")
    else:
        op.execute("DROP TRIGGER IF EXISTS post_topics_rollup_ad ON post_topics")
        op.execute("DROP FUNCTION IF EXISTS post_topics_rollup_ad()")
    op.drop_index("ix_alerts_created", "alerts")
    for table in ("alerts", "rollup_topic_hourly", "post_topics", "topics"):
        op.drop_table(table)
