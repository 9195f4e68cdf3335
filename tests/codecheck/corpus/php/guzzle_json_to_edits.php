<?php
require 'vendor/autoload.php';

use GuzzleHttp\Client;

$client = new Client(['base_uri' => 'https://api.pixapi.ai']);
$response = $client->post('/v1/images/edits', [
    'headers' => ['Authorization' => 'Bearer ' . getenv('PIXAPI_KEY')],
    'json' => [
        'model' => 'nano-banana',
        'prompt' => 'Turn the daytime street into night',
        'image' => 'https://example.com/street.jpg',
    ],
]);
echo $response->getBody();
