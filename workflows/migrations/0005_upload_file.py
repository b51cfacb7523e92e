# Uploads go through the `uploads` storage: the file column first (0006 moves the bytes,
# 0007 drops the old column).

import workflows.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0004_audit_actions'),
    ]

    operations = [
        migrations.AddField(
            model_name='upload',
            name='file',
            field=models.FileField(default='', max_length=255, storage=workflows.models.uploads_storage, upload_to=workflows.models.upload_file_name),
            preserve_default=False,
        ),
    ]
