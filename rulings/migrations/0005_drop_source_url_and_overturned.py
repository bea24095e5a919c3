"""The status “overturned” and the column ``source_url`` go, now that their data moved."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rulings", "0004_carry_records_forward")]

    operations = [
        migrations.RemoveConstraint(
            model_name='ruling',
            name='ruling_status_valid',
        ),
        migrations.AddConstraint(
            model_name='ruling',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'published', 'withdrawn'])), name='ruling_status_valid'),
        ),
        migrations.RemoveField(
            model_name='historicalruling',
            name='source_url',
        ),
        migrations.RemoveField(
            model_name='ruling',
            name='source_url',
        ),
    ]
