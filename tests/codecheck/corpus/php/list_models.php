<?php
$ctx = stream_context_create(['http' => [
    'method' => 'GET',
    'header' => 'Authorization: Bearer ' . getenv('PIXAPI_KEY'),
]]);
$models = json_decode(file_get_contents('https://api.pixapi.ai/v1/models', false, $ctx), true);
foreach ($models['data'] as $m) {
    printf("%s (%s)\n", $m['id'], $m['category'] ?? '?');
}
